"""Privacy tasks."""
