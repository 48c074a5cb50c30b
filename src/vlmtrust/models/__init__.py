"""Model adapters: ``zoo:`` (embedded), ``hf:`` (local transformers checkpoint), ``openai:``."""
