"""plancal: a collaboration plan, compiled into calendars people use."""

__version__ = "0.1.0"
