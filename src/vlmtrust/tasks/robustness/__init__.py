"""Robustness tasks."""
