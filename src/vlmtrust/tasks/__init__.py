"""Tasks, one module per task, grouped by pillar."""
