"""Real public behaviour logs -> landing format."""
