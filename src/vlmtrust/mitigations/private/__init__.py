"""Private computation of a model's zero-shot head: CKKS homomorphic encryption (TenSEAL) and
secure multi-party computation (MPyC). Both are optional extras (``vlmtrust[private]``),
imported only by the code that runs them."""
