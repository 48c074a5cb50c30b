"""Public benchmarks read in the layouts their authors publish (one module per benchmark; the
shared validation in :mod:`vlmtrust.data.benchmarks.layout`)."""
