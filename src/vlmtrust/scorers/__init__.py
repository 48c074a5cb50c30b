"""Per-sample judges (PII, ...) shared by tasks and mitigations."""
