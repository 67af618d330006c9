"""``plancal run`` as real processes: each one's JSON log lines read as they come, and waiting
for a state (never for a time) in the tests that drive them."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Service:
    """One ``plancal run`` process and the JSON lines it logged."""

    process: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def owned(self) -> set[str]:
        changes = [e for e in list(self.events) if e["event"] == "plans.owned"]
        return set(changes[-1]["owned"]) if changes else set()


def start(command: list[str], env: dict[str, str]) -> Service:
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    service = Service(process)

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            try:
                service.events.append(json.loads(line))
            except ValueError:
                service.events.append({"event": "not-json", "line": line})

    threading.Thread(target=read, daemon=True).start()
    return service


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 240) -> None:
    """Wait for a state, not for a time: the timeout only ends a test that would hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited in vain for {what}")
        time.sleep(0.1)
