"""The zoo: small model organisms trained on the world (:mod:`vlmtrust.data.world`) with planted
flaws, and their training recipes."""
