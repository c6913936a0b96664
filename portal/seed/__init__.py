"""Demo and scale data. Deterministic: the same command gives the same people."""
