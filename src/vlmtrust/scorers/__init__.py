"""Per-sample judges, each calibrated on a labelled set shipped beside it (``data/``)."""
