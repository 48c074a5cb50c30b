"""Attacks: pure ``Sample -> Sample`` transforms (corruptions, typography, PGD, swaps)."""
