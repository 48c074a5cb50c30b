"""Public benchmarks read in the layouts their authors publish (one module per benchmark)."""
