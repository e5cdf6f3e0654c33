"""Documents: byte-exact raw files (added and removed with their manifest records, and the removal record), their
normalization with a reversible offset map, and the index that serves them."""
