"""Aggregation: rates with Wilson intervals, differences, per-group metrics."""
