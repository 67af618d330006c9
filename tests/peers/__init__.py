"""Scripts that run third-party parsers outside the venv (node's ical.js, Debian's libical)."""
