"""Where a Schedule goes: iCalendar feeds, servers and calendar systems. No target imports another."""
