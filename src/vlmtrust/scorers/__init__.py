"""Per-sample judges (refusal, toxicity, ...), each with a shipped calibration set."""
