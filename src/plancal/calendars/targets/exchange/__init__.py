"""Exchange Web Services (on premises, and Exchange Online while EWS lasts).

Public: ``Connection`` (from the ``[exchange]`` settings), ``ExchangeTarget``, ``ExchangeError``.
"""

from plancal.calendars.targets.exchange.target import Connection, ExchangeError, ExchangeTarget

__all__ = ["Connection", "ExchangeError", "ExchangeTarget"]
