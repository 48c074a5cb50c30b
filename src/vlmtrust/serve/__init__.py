"""OpenAI-compatible HTTP servers over any Generator (the ``zoo serve`` command; later a guard)."""
