"""A/B experiments: per-variant statistics, sample-ratio checks and the decision they support."""
