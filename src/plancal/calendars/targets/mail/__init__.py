"""Invitations by e-mail (iMIP, RFC 6047 over iTIP, RFC 5546): ``plancal push mail``."""
