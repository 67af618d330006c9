"""Where a Schedule goes: feeds, servers, calendar systems. No target imports another."""
