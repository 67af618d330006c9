"""Time-driven work and the state it keeps: the only place that reads the clock."""
