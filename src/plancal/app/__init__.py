"""What the commands do, composed from the rooms below: the use cases.

``check`` (load and compile a plan, every problem at once), ``agenda``, ``reschedule`` with
``impact`` (the preview) and ``planfile`` (atomic writes of the plan), ``publish`` (feeds to
files), ``push`` (a calendar target wired to the store), ``holidays`` (the holiday cache).
The CLI, the daemon and the feed server all call these; none of them knows of a terminal.
"""
