"""Reports read only the results store: JSON rows, Markdown tables (HTML in a later issue)."""
