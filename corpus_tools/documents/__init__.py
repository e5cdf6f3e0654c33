"""Documents: byte-exact raw files, their normalization with a reversible offset map, and the index that serves them."""
