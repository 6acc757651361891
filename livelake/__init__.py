"""livelake: a batch data platform for live-stream e-commerce."""
