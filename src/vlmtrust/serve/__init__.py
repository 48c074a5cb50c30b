"""OpenAI-compatible HTTP servers over any Generator (``vlmtrust zoo serve``; later the guard)."""
