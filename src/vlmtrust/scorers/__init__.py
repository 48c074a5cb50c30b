"""Per-sample judges (refusal, toxicity, text safety, NSFW, PII), each calibrated on a labelled
set shipped beside it."""
