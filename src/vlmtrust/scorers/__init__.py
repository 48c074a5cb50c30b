"""Per-sample judges (refusal, toxicity, text safety, NSFW), each calibrated on a labelled set
shipped beside it."""
