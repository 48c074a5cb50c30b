"""``vlmtrust sanitize``: a dataset copy with near-duplicates removed, PII in captions
pseudonymised, PII text in images covered and faces blurred, plus an audit of every change."""
