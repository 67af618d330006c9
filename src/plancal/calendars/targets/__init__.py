"""Calendar systems a Schedule is pushed to, one package each; none imports another.

Each implements ``plancal.calendars.push.Target`` and passes the shared TargetContract tests.
"""
