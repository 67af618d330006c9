"""A shared calendar on a CalDAV server (RFC 4791): ``plancal push caldav``."""
