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
        """Every sub-request's final answer, in order. Throttled parts are sent again after
        the longest Retry-After among them; ``chained``: one sequence (each part waits for
        the one before), for writes whose order matters."""
        results: dict[int, Answer] = {}
        todo = list(range(len(subs)))
        pause = 1.0
        while todo:
            again: list[int] = []
            wait = 0.0
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start : start + self.batch_size]
                answers = self._batch_once([subs[i] for i in chunk], write, chained)
                for i, answer in zip(chunk, answers, strict=True):
                    if answer.status in (429, 503, 424):
                        again.append(i)
                        if answer.status != 424:
                            wait = max(wait, _retry_after(answer.headers, pause))
                    else:
                        results[i] = answer
                if again and chained:
                    again += todo[start + self.batch_size :]
                    break
            todo = sorted(again)
            if todo:
                self._wait(wait or pause)
                pause = min(pause * 2, 30.0)
        return [(subs[i], results[i]) for i in range(len(subs))]

    def _batch_once(self, subs: list[Sub], write: bool, chained: bool) -> list[Answer]:
        if len(subs) == 1:  # one part: the request itself, without the envelope
            one = subs[0]
            self.parts += 1
            return [self._send(one.method, one.url, one.body, write)]
        lanes = 1 if chained else self.lanes
        requests_: list[dict[str, Any]] = []
        for n, sub in enumerate(subs):
            part: dict[str, Any] = {"id": str(n + 1), "method": sub.method, "url": sub.url}
            if sub.body is not None:
                part["body"] = sub.body
                part["headers"] = {"Content-Type": "application/json"}
            if n >= lanes:
                part["dependsOn"] = [str(n + 1 - lanes)]
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
