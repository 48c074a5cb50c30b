"""The zoo's training recipes (``make zoo``): train the model organisms of
:mod:`vlmtrust.models.zoo` on the world (:mod:`vlmtrust.data.world`) with planted flaws, measure
them, and write their weights and model cards."""
