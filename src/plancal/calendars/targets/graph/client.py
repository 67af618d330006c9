"""Microsoft Graph over HTTP (requests): one request at a time, ``$batch`` for the many.

Throttling, as Microsoft documents it:

- 429 and 503 carry ``Retry-After`` (seconds); the request was not carried out, so it is sent
  again after that wait (https://learn.microsoft.com/graph/throttling: "Best practices to
  handle throttling"). Inside a ``$batch`` each sub-request has its own status and headers;
  only the throttled ones are sent again (https://learn.microsoft.com/graph/json-batching:
  "Handling throttled requests in a batch" — the envelope is 200 even when every part is 429).
- Outlook allows four concurrent requests per app per mailbox
  (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits), and Graph may
  run a batch's independent sub-requests in parallel. So a batch here is four chains: each
  sub-request ``dependsOn`` the one four places before it, and never more than four run at
  once. A failed link fails the rest of its chain with 424 (Failed Dependency); those are
  sent again too.
- A write whose answer never came (timeout, dropped connection, 5xx other than 503) may or may
  not have been carried out: the caller gets ``Unsettled`` and re-reads instead of resending.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from plancal.errors import UserError

BATCH_LIMIT = 20  # https://learn.microsoft.com/graph/json-batching: "up to 20"
MAILBOX_CONCURRENCY = 4  # https://learn.microsoft.com/graph/throttling-limits (Outlook)


class GraphError(UserError):
    """Graph refused or could not be reached; the message is safe to show (no secret)."""


class Unsettled(RuntimeError):
    """A write whose outcome is unknown (timeout, dropped connection, a refused part)."""


@dataclass
class Sub:
    """One request inside a ``$batch`` (or sent alone)."""

    method: str
    url: str  # relative to the service root, e.g. /users/x/events
    body: dict[str, Any] | None = None
    tag: Any = None  # the caller's: which key or occurrence this is for


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code") or "")
        return ""

    @property
    def message(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("message") or "")
        return ""


class GraphClient:
    def __init__(
        self,
        base_url: str,
        token: Callable[[], str],
        timeout: float = 120,
        max_wait: float = 900,
        sleep: Callable[[float], None] = time.sleep,
        session: Any = None,
        lanes: int = MAILBOX_CONCURRENCY,
        batch: int = BATCH_LIMIT,
    ):
        import requests

        self.base = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_wait = max_wait
        self.sleep = sleep
        self.session = session if session is not None else requests.Session()
        self.lanes = max(1, min(lanes, MAILBOX_CONCURRENCY))
        self.batch_size = max(1, min(batch, BATCH_LIMIT))
        self.requests = 0  # HTTP requests sent (a $batch is one)
        self.parts = 0  # requests Graph counts against the mailbox (each part of a batch)
        self.waited = 0.0

    # --- one HTTP request ------------------------------------------------------------------

    def _send(self, method: str, url: str, body: Any, write: bool) -> Answer:
        """One HTTP request, sent again while Graph says it was not carried out."""
        import requests

        pause, attempts = 1.0, 0
        while True:
            self.requests += 1
            try:
                r = self.session.request(
                    method,
                    url if url.startswith("http") else self.base + url,
                    data=None if body is None else json.dumps(body),
                    headers={
                        "Authorization": f"Bearer {self.token()}",
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                    },
                    timeout=self.timeout,
                )
            except requests.RequestException as e:
                if write:
                    raise Unsettled(f"no answer to a write ({type(e).__name__})") from None
                attempts += 1
                if attempts > 6:
                    raise GraphError(
                        f"Microsoft Graph did not answer at {self.base}: {type(e).__name__}"
                    ) from None
                self._wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            answer = Answer(r.status_code, _json(r), dict(r.headers))
            if answer.status in (429, 503):
                self._wait(_retry_after(answer.headers, pause))
                pause = min(pause * 2, 30.0)
                continue
            if answer.status >= 500:
                if write:
                    raise Unsettled(f"Graph answered {answer.status} to a write") from None
                attempts += 1
                if attempts > 6:
                    raise GraphError(f"Microsoft Graph failed: {answer.status}") from None
                self._wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            if answer.status == 401:
                raise GraphError(
                    "Microsoft Graph refused the token (401): check tenant_id, client_id and "
                    "the secret or certificate"
                )
            return answer

    def _wait(self, seconds: float) -> None:
        if self.waited + seconds > self.max_wait:
            raise GraphError(
                f"Microsoft Graph stayed busy for more than {self.max_wait:g} s (max_wait); "
                "nothing is lost: run the push again later"
            )
        self.waited += seconds
        self.sleep(seconds)

    def get(self, url: str) -> Answer:
        self.parts += 1
        return self._send("GET", url, None, write=False)

    def pages(self, url: str) -> list[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink``."""
        out: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            answer = self.get(next_url)
            if not answer.ok:
                raise GraphError(explain(answer))
            out += answer.body.get("value", [])
            next_url = answer.body.get("@odata.nextLink")
        return out

    # --- many requests ---------------------------------------------------------------------

    def batch(
        self, subs: Sequence[Sub], write: bool, chained: bool = False
    ) -> list[tuple[Sub, Answer]]:
        """Every sub-request's final answer, in order; ``chained``: one sequence."""
        groups = [list(subs)] if chained else [[s] for s in subs]
        return [pair for group in self.chains(groups, write) for pair in group]

    def chains(
        self, groups: Sequence[Sequence[Sub]], write: bool
    ) -> list[list[tuple[Sub, Answer]]]:
        """Run groups of requests, each group in its order (``dependsOn``), groups side by
        side in at most four lanes, 20 parts per ``$batch``. Throttled parts, and the ones
        after them in their lane (424), are sent again after the longest Retry-After."""
        results: list[list[Answer | None]] = [[None] * len(g) for g in groups]
        todo: list[tuple[int, int]] = [(g, 0) for g in range(len(groups)) if groups[g]]
        pause = 1.0
        while todo:
            wait, again = 0.0, []
            for batch in self._pack(todo, groups):
                flat = [
                    (g, i) for lane in batch for g, first, last in lane for i in range(first, last)
                ]
                answers = self._batch_once(
                    [groups[g][i] for g, i in flat], write, self._depends(batch)
                )
                failed: dict[int, int] = {}
                for (g, i), answer in zip(flat, answers, strict=True):
                    if g in failed:
                        continue
                    if answer.status in (429, 503, 424):
                        failed[g] = i
                        if answer.status != 424:
                            wait = max(wait, _retry_after(answer.headers, pause))
                    else:
                        results[g][i] = answer
                again += sorted(failed.items())
            todo = again
            if todo:
                self._wait(wait or pause)
                pause = min(pause * 2, 30.0)
        return [
            [(groups[g][i], a) for i, a in enumerate(row) if a is not None]
            for g, row in enumerate(results)
        ]

    def _pack(
        self, todo: list[tuple[int, int]], groups: Sequence[Sequence[Sub]]
    ) -> list[list[list[tuple[int, int, int]]]]:
        """Batches of lanes of (group, first, last) slices: a group stays in one lane, in
        order; a group longer than a batch continues in the next one."""
        batches: list[list[list[tuple[int, int, int]]]] = []
        lanes: list[list[tuple[int, int, int]]] = [[] for _ in range(self.lanes)]
        size = 0
        for g, first in todo:
            start = first
            while start < len(groups[g]):
                room = self.batch_size - size
                if room == 0:
                    batches.append([lane for lane in lanes if lane])
                    lanes, size = [[] for _ in range(self.lanes)], 0
                    room = self.batch_size
                take = min(room, len(groups[g]) - start)
                lane = min(lanes, key=lambda ln: sum(b - a for _, a, b in ln))
                lane.append((g, start, start + take))
                size += take
                start += take
                if start < len(groups[g]):  # the rest must wait for this part: next batch
                    batches.append([ln for ln in lanes if ln])
                    lanes, size = [[] for _ in range(self.lanes)], 0
        if size:
            batches.append([lane for lane in lanes if lane])
        return batches

    @staticmethod
    def _depends(batch: list[list[tuple[int, int, int]]]) -> list[int | None]:
        """For each part of a packed batch (in order), the part it waits for, or None."""
        out: list[int | None] = []
        for lane in batch:
            previous = None
            for _, first, last in lane:
                for _ in range(first, last):
                    out.append(previous)
                    previous = len(out) - 1
        return out

    def _batch_once(self, subs: list[Sub], write: bool, depends: list[int | None]) -> list[Answer]:
        if len(subs) == 1:  # one part: the request itself, without the envelope
            one = subs[0]
            self.parts += 1
            return [self._send(one.method, one.url, one.body, write)]
        requests_: list[dict[str, Any]] = []
        for n, sub in enumerate(subs):
            part: dict[str, Any] = {"id": str(n + 1), "method": sub.method, "url": sub.url}
            if sub.body is not None:
                part["body"] = sub.body
                part["headers"] = {"Content-Type": "application/json"}
            before = depends[n]
            if before is not None:
                part["dependsOn"] = [str(before + 1)]
            requests_.append(part)
        self.parts += len(subs)
        answer = self._send("POST", "/$batch", {"requests": requests_}, write)
        if not answer.ok:
            if write:
                raise Unsettled(f"the batch was refused: {explain(answer)}")
            raise GraphError(explain(answer))
        by_id = {str(r.get("id")): r for r in answer.body.get("responses", [])}
        out: list[Answer] = []
        for n in range(len(subs)):
            r = by_id.get(str(n + 1))
            if r is None:
                raise Unsettled("a batch answer left a request out")
            headers = {str(k): str(v) for k, v in (r.get("headers") or {}).items()}
            out.append(Answer(int(r.get("status", 500)), r.get("body"), headers))
        return out


def _json(r: Any) -> Any:
    if not r.content:
        return None
    try:
        return r.json()
    except ValueError:
        return None


def _retry_after(headers: dict[str, str], default: float) -> float:
    for k, v in headers.items():
        if k.lower() == "retry-after":
            try:
                return max(0.0, float(v))
            except ValueError:
                return default
    return default


def explain(answer: Answer) -> str:
    """Graph's refusal in words a coordinator can act on (never a token)."""
    if answer.status == 403:
        return (
            "Microsoft Graph refused access to the mailbox (403 "
            f"{answer.code or 'Forbidden'}): the app needs the application permission "
            "Calendars.ReadWrite, scoped to the organizer's mailbox"
        )
    if answer.status == 404 and answer.code in ("ErrorInvalidUser", "MailboxNotEnabledForRESTAPI"):
        return f"Microsoft Graph does not know the mailbox ({answer.code})"
    return f"Microsoft Graph answered {answer.status} {answer.code}: {answer.message}".rstrip(": ")
