"""The plan and its language: pure functions and frozen values, no I/O beyond reading the plan."""
