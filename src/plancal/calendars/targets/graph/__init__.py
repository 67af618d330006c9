"""Microsoft Graph (Exchange Online): the plan's meetings through the Graph calendar API.

Public: ``GraphConnection`` (from the ``[graph]`` settings), ``GraphTarget``, ``build``,
``GraphError``, ``Unsettled``.
"""

from plancal.calendars.targets.graph.client import GraphError, Unsettled
from plancal.calendars.targets.graph.connection import GraphConnection
from plancal.calendars.targets.graph.target import GraphTarget, build

__all__ = ["GraphConnection", "GraphError", "GraphTarget", "Unsettled", "build"]
