"""The Exchange target: the plan's meetings in an organizer's calendar, through exchangelib (EWS).

Mapping (the compiled series form goes in as it is):

- weekly rules → WeeklyPattern; monthly on the nth weekday → RelativeMonthlyPattern; simple
  explicit RRULEs (daily, weekly, monthly by weekday or day) → their patterns; the range is
  an EndDateRecurrence from the first to the last occurrence;
- skipped occurrences (breaks, holidays, "cancelled") → deleted occurrences; moved ones →
  modified occurrences (addressed by instance index, counted from the series start as Exchange
  counts them); N-times-a-year, added and moved-too-far occurrences are single meetings;
- times in the plan's zone as EWSTimeZone; the reminder from the plan's minutes; internal
  activities are Private; all-day ones show as free.

Every item plancal creates carries named properties in plancal's own property set: the plan id
(what ``read`` searches for), the key (the plan's UID), the activity, and the content and timing
hashes of what was last announced. An item without them is never read, so never touched.

Sending exactly once. A series with exceptions is written *silently* first (no invitation),
its occurrences deleted and moved silently, and only then announced by one update that also
writes its content hash: every attendee hears of it once, with the exceptions in place. If the
push dies in between, the item is found again by its tag, still unannounced, and finished. A
change to a series' timing rewrites the series the same way, because Exchange drops every
exception when the pattern changes. A restored occurrence cannot be undeleted: it either
rewrites the series so, or — where that sends fewer messages (``sync.restores_apart``) — goes
out as one meeting of its own beside the series, tagged with the series' key and the
occurrence's original start; a read folds it back into the series (``Held.singles``), so the
next push finds the occurrence where the plan has it, and a later update, move or cancellation
of the series or the occurrence reaches that meeting too.
Occurrence changes on an announced series go to its attendees at once; an attendee-only change
is sent to the added and removed attendees only (SendToChanged).

Failures. exchangelib runs with a fail-fast policy and one connection, and plancal decides:
ErrorServerBusy (its BackOffMilliseconds) and HTTP 503 (its Retry-After) were not carried out,
so the same request is sent again after the wait; a timeout or a dropped connection during a
write may or may not have been carried out, so the push stops that round, reads the calendar
again and reconciles anew — never resending blindly. Reads are retried as they are. Writes
are batched, at most ``batch`` (≤ 100) items per request; each batch is recorded in the state
store before it goes out (``push_intents``) and cleared when its answer is in.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from plancal.calendars.push import Progress, Pushed, PushLedger
from plancal.calendars.sync import Change, Held, Meeting, When, messages, snapshot
from plancal.calendars.targets.exchange.limits import LEDGER_KEY, Limits, Sending
from plancal.calendars.targets.exchange.phases import (
    Occurrence,
    Phases,
    plan_phases,
    silent_exceptions,
    waves,
)
from plancal.errors import Problem, Problems, UserError, Where
from plancal.i18n import Message, Text, msg
from plancal.rules.recurrence import pattern_of

if TYPE_CHECKING:
    from exchangelib import Account, CalendarItem
    from exchangelib.folders import Calendar

R = TypeVar("R")
PROPERTY_SET = "5b8a2d0e-9c1f-4a51-9f59-2c1d5e7a0c11"  # plancal's named-property set


class ExchangeError(UserError):
    """Exchange refused or could not be reached; the message is safe to show (no secret)."""


class Unsettled(RuntimeError):
    """A write whose outcome is unknown (timeout, dropped connection, a refused item)."""


# --- connection settings -------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    mailbox: str
    url: str | None
    auth: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_id: str | None = None
    tenant_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate: str | None = field(default=None, repr=False)  # PEM: private key (+ cert)
    thumbprint: str | None = None  # SHA-1 of the certificate uploaded to the app
    authority: str = "https://login.microsoftonline.com"
    access: str = "impersonation"
    timeout: int = 120
    max_wait: int = 900
    batch: int = 100
    settle: float | None = None  # seconds between two reads after an unsettled write
    messages_per_minute: int = 0  # sending limits the push keeps (0: none)
    recipients_per_day: int = 0
    source: str | None = None  # the settings file read (None: none was found)
    looked: str | None = None  # where plancal looked for one

    @property
    def where(self) -> Message:
        """The settings to check, named as the person wrote them (or where none was found)."""
        if self.source is not None:
            return msg(Text("[exchange] of {file}", "[exchange] i {file}"), file=self.source)
        if self.looked is not None:
            return msg(
                Text(
                    "the environment (PLANCAL_EXCHANGE_*; no settings file at {path})",
                    "miljön (PLANCAL_EXCHANGE_*; ingen inställningsfil på {path})",
                ),
                path=self.looked,
            )
        return msg(Text("[exchange]", "[exchange]"))

    @property
    def target(self) -> str:
        """How the state store names this target: the mailbox and the server it lives on."""
        host = urlparse(self.url).netloc if self.url else "autodiscover"
        return f"exchange:{self.mailbox.lower()}@{host}"

    @classmethod
    def from_settings(cls, settings: Any) -> Connection:
        """The [exchange] settings, or PlanError naming each missing one and where to set it."""
        from plancal.config.settings import env_name

        problems = Problems()

        def get(key: str) -> Any:
            return settings.get("exchange", key)

        where = Where(f"{settings.source} [exchange]")

        def need(key: str, why: Text) -> None:
            if not get(key):
                secret = key in ("password", "client_secret")
                problems.error(
                    where,
                    msg(
                        Text("{key} is not set ({why})", "{key} är inte satt ({why})"),
                        key=key,
                        why=why,
                    ),
                    msg(
                        Text(
                            "set ${var}" + ("" if secret else " or {key} = … in the file"),
                            "sätt ${var}" + ("" if secret else " eller {key} = … i filen"),
                        ),
                        var=env_name("exchange", key),
                        key=key,
                    ),
                )

        need("mailbox", Text("the organizer's mailbox", "arrangörens brevlåda"))
        auth = get("auth") or "ntlm"
        if auth in ("ntlm", "basic"):
            need("username", Text("auth = " + auth, "auth = " + auth))
            need("password", Text("auth = " + auth, "auth = " + auth))
        else:
            for key in ("client_id", "tenant_id"):
                need(key, Text("auth = oauth2", "auth = oauth2"))
            if get("certificate"):
                need(
                    "certificate_thumbprint",
                    Text("the certificate needs it", "certifikatet behöver det"),
                )
            else:
                need(
                    "client_secret",
                    Text(
                        "auth = oauth2 without a certificate; "
                        f"${env_name('exchange', 'certificate')} (PEM) is preferred",
                        "auth = oauth2 utan certifikat; "
                        f"${env_name('exchange', 'certificate')} (PEM) är att föredra",
                    ),
                )
            if not get("url"):
                problems.error(
                    where,
                    msg(
                        Text(
                            "url is not set (oauth2 has no autodiscover)",
                            "url är inte satt (oauth2 saknar autodiscover)",
                        )
                    ),
                    msg(
                        Text(
                            "Exchange Online: url = "
                            '"https://outlook.office365.com/EWS/Exchange.asmx"',
                            "Exchange Online: url = "
                            '"https://outlook.office365.com/EWS/Exchange.asmx"',
                        )
                    ),
                )
        problems.raise_if_errors()
        # Impersonation by default, on premises too: one role (ApplicationImpersonation) scoped
        # to the organizer's mailbox, rather than rights the mailbox's owner grants and can
        # take back in Outlook (README, Exchange access).
        access = get("access") or "impersonation"
        # Exchange Online's sending limits hold unless the settings say otherwise; on premises
        # the administrator's throttling policy decides, and the settings may state it.
        online = auth == "oauth2" or urlparse(get("url") or "").netloc.endswith(
            ("office365.com", "outlook.com")
        )
        per_minute = get("messages_per_minute")
        per_day = get("recipients_per_day")
        return cls(
            mailbox=get("mailbox"),
            url=get("url"),
            auth=auth,
            username=get("username"),
            password=get("password"),
            client_id=get("client_id"),
            tenant_id=get("tenant_id"),
            client_secret=get("client_secret"),
            certificate=get("certificate"),
            thumbprint=get("certificate_thumbprint"),
            authority=(get("authority") or cls.authority).rstrip("/"),
            access=access,
            timeout=get("timeout") or 120,
            max_wait=get("max_wait") if get("max_wait") is not None else 900,
            batch=get("batch") or 100,
            settle=get("settle"),
            messages_per_minute=per_minute if per_minute is not None else (30 if online else 0),
            recipients_per_day=per_day if per_day is not None else (10_000 if online else 0),
            source=None if settings.source.startswith("(no file") else settings.source,
            looked=settings.source.removeprefix("(no file at ").removesuffix(")"),
        )


# --- exchangelib, loaded on first use ---------------------------------------------------------

_REGISTERED = False


def _register() -> None:
    """Declare plancal's named properties on exchangelib's CalendarItem (once per process)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from exchangelib import CalendarItem, ExtendedProperty

    for attr, name in (
        ("plancal_plan", "plancal-plan"),
        ("plancal_key", "plancal-key"),
        ("plancal_activity", "plancal-activity"),
        ("plancal_digest", "plancal-digest"),
        ("plancal_timing", "plancal-timing"),
        ("plancal_occurrence", "plancal-occurrence"),  # on a single meeting beside a series
    ):
        prop = type(
            f"_{attr}",
            (ExtendedProperty,),
            {"property_set_id": PROPERTY_SET, "property_name": name, "property_type": "String"},
        )
        if attr not in {f.name for f in CalendarItem.FIELDS}:
            CalendarItem.register(attr, prop)
    _REGISTERED = True


def _policy() -> Any:
    """Fail fast, but carry the server's Retry-After along, so plancal can honour it."""
    from exchangelib.errors import ErrorInternalServerTransientError, ErrorServerBusy
    from exchangelib.protocol import FailFast

    class CarryRetryAfter(FailFast):  # type: ignore[misc]
        def raise_response_errors(self, response: Any) -> Any:
            try:
                return super().raise_response_errors(response)
            except (ErrorInternalServerTransientError, ErrorServerBusy) as e:
                try:
                    after = int(response.headers.get("Retry-After", "0"))
                except ValueError:
                    after = 0
                raise ErrorServerBusy(str(e), back_off=after or None) from None

    return CarryRetryAfter()


EWS_SCOPE = "https://outlook.office365.com/.default"  # app-only: the app's own grants to EWS


def _msal_token(c: Connection, http_client: Any = None) -> Callable[[], str]:
    """An access token for EWS from Entra ID, signed for with the app's certificate
    (``targets.entra``, as the Graph target signs in)."""
    from plancal.calendars.targets.entra import Failure, token_source

    def failed(kind: Failure, cause: str, _description: str) -> ExchangeError:
        why = {
            "unreadable": Text("the certificate cannot be read", "certifikatet går inte att läsa"),
            "unreachable": Text("no answer", "inget svar"),
            # Entra ID's ``error`` (invalid_client, …) names the cause and holds no secret.
            "refused": Text(cause, cause),
        }[kind]
        return ExchangeError(
            msg(
                Text(
                    "Entra ID at {authority} refused plancal's sign-in ({why})",
                    "Entra ID på {authority} nekade plancals inloggning ({why})",
                ),
                authority=c.authority,
                why=why,
            ),
            msg(
                Text(
                    "check client_id, tenant_id, certificate_thumbprint and "
                    "PLANCAL_EXCHANGE_CERTIFICATE in {where}",
                    "kontrollera client_id, tenant_id, certificate_thumbprint och "
                    "PLANCAL_EXCHANGE_CERTIFICATE i {where}",
                ),
                where=c.where,
            ),
        )

    credential = {"private_key": c.certificate, "thumbprint": c.thumbprint}
    return token_source(
        c.client_id, c.tenant_id, c.authority, credential, EWS_SCOPE, failed, http_client
    )


def _credentials(c: Connection, http_client: Any = None) -> Any:
    if c.auth == "oauth2" and c.certificate:
        from exchangelib import Identity, OAuth2Credentials

        fetch = _msal_token(c, http_client)

        class CertificateCredentials(OAuth2Credentials):  # type: ignore[misc]
            """An app-only token from MSAL (certificate), handed to exchangelib; fetched again
            when exchangelib drops it (a new session)."""

            @property
            def access_token(self) -> Any:
                if getattr(self, "_access_token", None) is None:
                    self._access_token = {"access_token": fetch(), "token_type": "Bearer"}
                return self._access_token

            @access_token.setter
            def access_token(self, value: Any) -> None:
                self._access_token = value

        return CertificateCredentials(
            client_id=c.client_id,
            client_secret=None,
            tenant_id=c.tenant_id,
            identity=Identity(primary_smtp_address=c.mailbox),
        )
    if c.auth == "oauth2":
        from exchangelib import Identity, OAuth2Credentials

        authority = c.authority

        class Credentials(OAuth2Credentials):  # type: ignore[misc]
            """Client credentials; the token host is a setting (national clouds differ)."""

            @property
            def token_url(self) -> str:
                return f"{authority}/{self.tenant_id}/oauth2/v2.0/token"

        return Credentials(
            client_id=c.client_id,
            client_secret=c.client_secret,
            tenant_id=c.tenant_id,
            identity=Identity(primary_smtp_address=c.mailbox),
        )
    from exchangelib import Credentials as Plain

    return Plain(c.username, c.password)


# --- the target ------------------------------------------------------------------------------


@dataclass
class _Handle:
    item_id: str
    change_key: str
    held: Held
    all_day: bool


@dataclass
class _Batch:
    """Items going out in one kind of request."""

    op: str  # create | update | delete
    send: str  # exchangelib's send value
    entries: list[tuple[str, Any, list[str]]] = field(default_factory=list)  # key, item, fields

    def add(self, key: str, item: Any, fields: Iterable[str] = ()) -> None:
        self.entries.append((key, item, list(fields)))


def single_key(key: str, rid: When) -> str:
    """How a single meeting beside a series is named in the journal: series key # occurrence."""
    return f"{key}#{rid.isoformat()}"


def _occurrence_of(text: str) -> When:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


class ExchangeTarget:
    # Exchange cannot undelete an occurrence: a restored one goes out as a single meeting
    # beside its series when that sends fewer messages than announcing the series anew.
    restores_apart = True

    def __init__(
        self,
        connection: Connection,
        plan_id: str,
        tz: ZoneInfo,
        state: PushLedger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        record: bool = True,
        http_client: Any = None,
    ):
        self.c = connection
        self.http_client = http_client  # MSAL's, for the sign-in (tests: loopback only)
        self.record = record  # False on a dry run: not even the state store is written
        self.plan_id = plan_id
        self.tz = tz
        self.state = state
        self.sleep = sleep
        self.clock = clock or (lambda: datetime.now(UTC))
        self.handles: dict[str, _Handle] = {}
        self.single_handles: dict[str, _Handle] = {}  # single_key → a single meeting
        self.orphans: dict[str, list[str]] = {}  # key → single meetings whose series is gone
        self.vanished: list[str] = []  # pushed before, deleted outside plancal since
        self.waited = 0.0  # seconds spent honouring back-offs
        self.requests = 0
        self.uncertain: set[str] = set()  # keys whose last write may still land
        self.planned: frozenset[str] = frozenset()  # every attendee address the plan names
        self.aliases: dict[str, str] = {}  # primary SMTP address → the plan's spelling
        self._resolved: set[str] = set()
        self._account: Account | None = None
        self._calendar: Calendar | None = None
        self.limits = Limits(connection.messages_per_minute, connection.recipients_per_day)
        self._sending: Sending | None = None
        self.quota_reached = False  # Exchange refused to send more for now (someone else sent)

    @property
    def organizer(self) -> str:
        return self.c.mailbox.lower()

    # --- connecting --------------------------------------------------------------------

    def account(self) -> Account:
        if self._account is not None:
            return self._account
        _register()
        from exchangelib import (
            BASIC,
            DELEGATE,
            IMPERSONATION,
            NTLM,
            OAUTH2,
            Account,
            Configuration,
            EWSTimeZone,
        )

        c = self.c
        auth = {"ntlm": NTLM, "basic": BASIC, "oauth2": OAUTH2}[c.auth]
        access = IMPERSONATION if c.access == "impersonation" else DELEGATE
        credentials = _credentials(c, self.http_client)
        tz = EWSTimeZone(self.tz.key)
        try:
            if c.url:
                config = Configuration(
                    service_endpoint=c.url,
                    credentials=credentials,
                    auth_type=auth,
                    retry_policy=_policy(),
                    max_connections=1,
                )
                account = Account(
                    c.mailbox,
                    config=config,
                    autodiscover=False,
                    access_type=access,
                    default_timezone=tz,
                )
            else:
                account = self._call(
                    lambda: Account(
                        c.mailbox,
                        credentials=credentials,
                        autodiscover=True,
                        access_type=access,
                        default_timezone=tz,
                        config=Configuration(
                            credentials=credentials, retry_policy=_policy(), max_connections=1
                        ),
                    )
                )
        except Exception as e:  # exchangelib's own errors, made readable
            raise ExchangeError(_explain(e, c)) from None
        # One connection and no waiting inside exchangelib: plancal decides about retries.
        account.protocol.TIMEOUT = c.timeout
        account.protocol.RETRY_WAIT = 0
        self._call(lambda: account.protocol.version)  # the server's version, asked once
        self._account = account
        return account

    def calendar(self) -> Calendar:
        if self._calendar is None:
            account = self.account()
            self._calendar = self._call(lambda: account.calendar)
        return self._calendar

    # --- retries -----------------------------------------------------------------------

    def _call(self, work: Callable[[], R], write: bool = False) -> R:
        """Run one request (or a read that pages), honouring the server's back-off.

        Busy and 503 answers were not carried out: wait as told (or a growing pause) and
        send again. A timeout or a dropped connection leaves a write unsettled.
        """
        from exchangelib.errors import (
            ErrorInternalServerTransientError,
            ErrorServerBusy,
            ErrorTimeoutExpired,
            EWSError,
            RateLimitError,
        )
        from requests.exceptions import RequestException

        pause = 0.25
        attempts = 0
        while True:
            self.requests += 1
            try:
                return work()
            except ErrorServerBusy as e:
                wait = float(e.back_off) if e.back_off else pause
                pause = min(pause * 2, 30.0)
            except (RateLimitError, ErrorInternalServerTransientError):
                wait = pause
                pause = min(pause * 2, 30.0)
            except (ErrorTimeoutExpired, RequestException, OSError) as e:
                if write:
                    raise Unsettled(f"no answer to a write ({type(e).__name__})") from None
                attempts += 1
                if attempts > 6:
                    raise ExchangeError(
                        msg(
                            Text(
                                "Exchange did not answer at {url} ({why})",
                                "Exchange svarade inte på {url} ({why})",
                            ),
                            url=self.c.url or "autodiscover",
                            why=_why(e, self.c.timeout),
                        ),
                        msg(
                            Text(
                                "check the url in {where}",
                                "kontrollera url i {where}",
                            ),
                            where=self.c.where,
                        ),
                    ) from None
                wait = pause
                pause = min(pause * 2, 30.0)
            except EWSError as e:
                # exchangelib's version probe wraps a busy or lost answer in this one message:
                # a read like any other, so retried like one.
                if write or "No valid version headers" not in str(e):
                    raise ExchangeError(_explain(e, self.c)) from None  # refused for good
                attempts += 1
                if attempts > 6:
                    raise ExchangeError(
                        msg(
                            Text(
                                "Exchange did not answer at {url} (no EWS answer in {n} tries)",
                                "Exchange svarade inte på {url} (inget EWS-svar på {n} försök)",
                            ),
                            url=self.c.url or "autodiscover",
                            n=attempts,
                        ),
                        msg(
                            Text("check the url in {where}", "kontrollera url i {where}"),
                            where=self.c.where,
                        ),
                    ) from None
                wait = pause
                pause = min(pause * 2, 30.0)
            if self.waited + wait > self.c.max_wait:
                raise ExchangeError(
                    msg(
                        Text(
                            "Exchange at {url} stayed busy for more than {s} s (max_wait in "
                            "{where})",
                            "Exchange på {url} var upptagen i mer än {s} s (max_wait i {where})",
                        ),
                        url=self.c.url or "autodiscover",
                        s=self.c.max_wait,
                        where=self.c.where,
                    )
                ) from None
            self.waited += wait
            self.sleep(wait)

    # --- what plancal can say in Exchange --------------------------------------------------

    def problems(self, want: Mapping[str, Meeting]) -> list[Problem]:
        """What this plan asks that Exchange cannot hold: checked before anything is written."""
        out = Problems()
        self.planned = frozenset(a for m in want.values() for a in m.attendees)
        for m in want.values():
            spec = pattern_of(m.rule) if m.rule is not None else None
            if spec is not None and spec[0] == "absolute" and spec[2][0] > 28:
                # Exchange puts day 29–31 on the last day of a shorter month ("the last day
                # of the month is assumed", DayOfMonth:
                # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/dayofmonth);
                # RFC 5545 skips that month. The feeds and Exchange would disagree.
                out.error(
                    m.activity.at("when"),
                    msg(
                        Text(
                            "Exchange cannot repeat {id!r} on day {day} of every month: it "
                            "would move the meeting to the last day of shorter months, where "
                            "the plan and its calendar feeds have no meeting",
                            "Exchange kan inte upprepa {id!r} dag {day} varje månad: den skulle "
                            "lägga mötet på sista dagen i kortare månader, där planen och dess "
                            "kalenderflöden inte har något möte",
                        ),
                        id=m.activity.id,
                        day=spec[2][0],
                    ),
                    msg(
                        Text(
                            "choose a day from 1 to 28, a weekday rule "
                            "(FREQ=MONTHLY;BYDAY=-1FR for the last Friday) or a list of dates",
                            "välj en dag från 1 till 28, en veckodagsregel "
                            "(FREQ=MONTHLY;BYDAY=-1FR för sista fredagen) eller en lista med datum",
                        )
                    ),
                )
            if m.rule is not None and spec is None:
                out.error(
                    m.activity.at("when"),
                    msg(
                        Text(
                            "Exchange cannot repeat {id!r} by this rule ({rule})",
                            "Exchange kan inte upprepa {id!r} enligt denna regel ({rule})",
                        ),
                        id=m.activity.id,
                        rule=m.rule.text or m.rule.freq,
                    ),
                    msg(
                        Text(
                            "write a weekly or monthly rule (RRULE:FREQ=WEEKLY;BYDAY=MO, "
                            "FREQ=MONTHLY;BYDAY=2TU, FREQ=MONTHLY;BYMONTHDAY=5) or a list "
                            "of dates",
                            "skriv en vecko- eller månadsregel "
                            "(RRULE:FREQ=WEEKLY;BYDAY=MO, FREQ=MONTHLY;BYDAY=2TU, "
                            "FREQ=MONTHLY;BYMONTHDAY=5) eller en lista med datum",
                        )
                    ),
                )
        return out.problems

    def interrupted(self) -> dict[str, set[str]]:
        return self.state.in_flight() if self.state else {}

    def settled(self) -> None:
        """The calendar equals the plan: no write is in flight any more."""
        if self.state is not None and self.record:
            self.state.end(None)

    # --- reading -------------------------------------------------------------------------

    def read(self) -> dict[str, Held]:
        """What the calendar holds, once it holds still.

        A write that timed out (or that an earlier, interrupted push left in flight) may still
        be carried out on the server after the client gave up. Until two reads, ``settle``
        seconds apart, agree on every such key, the calendar is read again.

        What this rests on, precisely: EWS offers no way to ask whether a request is still
        running, and no idempotency key, so "settled" is an assumption, not a proof — that a
        write still running on the server changes what the probe sees (the item appears, or
        its change key moves) within ``settle`` seconds. ``settle`` defaults to the client's
        ``timeout``, so a write is given at least twice as long as the client waited for it.
        A write held up on the server for longer than that after the last agreeing probe
        would land after plancal decided; a *create* of that key in the same round would then
        make a second item. That second item is not lost: it carries the tag, and the next
        read stops with "the calendar holds two items tagged …", naming the key, before
        anything else is written (never a silent duplicate invitation beyond that one).
        """
        uncertain = self.uncertain | set(self.interrupted())
        if not uncertain:
            return self._read_once()
        # Cheap probes (one FindItem: keys and change keys) until two agree, then one full read.
        settle = self.c.settle if self.c.settle is not None else float(self.c.timeout)
        waited = 0.0
        seen = self._probe(uncertain)
        while True:
            self.sleep(settle)
            waited += settle
            again = self._probe(uncertain)
            if again == seen:
                break
            seen = again
            if waited > self.c.max_wait:
                raise ExchangeError(
                    msg(
                        Text(
                            "the calendar at {url} kept changing for {s} s while plancal "
                            "waited for its own writes to land",
                            "kalendern på {url} fortsatte att ändras i {s} s medan plancal "
                            "väntade på att dess egna skrivningar skulle landa",
                        ),
                        url=self.c.url or "autodiscover",
                        s=self.c.max_wait,
                    )
                )
        self.uncertain.clear()
        return self._read_once()

    def _probe(self, keys: set[str]) -> dict[str, tuple[str, str]]:
        """Which of ``keys`` the calendar holds now, with each item's id and change key."""
        folder = self.calendar()

        def find() -> list[Any]:
            query = folder.filter(plancal_plan=self.plan_id).only(
                "plancal_key", "plancal_occurrence"
            )
            query.page_size = 100
            return list(query)

        return {
            name: (i.id, i.changekey)
            for i in self._call(find)
            if (name := _identity(i)) in keys or getattr(i, "plancal_key", None) in keys
        }

    def _read_once(self) -> dict[str, Held]:
        """Every item of this plan in the calendar, found by its tag.

        One search (FindItem, paged) and the details of what it found (GetItem, ``batch`` per
        request: attendees and exceptions are not searchable properties).
        """
        folder = self.calendar()
        fields = [
            "plancal_key",
            "plancal_activity",
            "plancal_digest",
            "plancal_timing",
            "plancal_occurrence",
            "subject",
            "start",
            "type",
            "is_all_day",
            "required_attendees",
            "deleted_occurrences",
            "modified_occurrences",
        ]

        def find() -> list[Any]:
            query = folder.filter(plancal_plan=self.plan_id).only(*fields)
            query.page_size = 100  # reads are not writes: always the most a request may carry
            return list(query)

        found = [i for i in self._call(find) if getattr(i, "plancal_key", None)]
        self._learn_aliases(found)
        held: dict[str, Held] = {}
        handles: dict[str, _Handle] = {}
        singles: dict[str, _Handle] = {}
        duplicates: list[str] = []
        for item in found:
            if getattr(item, "plancal_occurrence", None):
                name = _identity(item)
                if name in singles:
                    duplicates.append(name)
                all_day = bool(item.is_all_day)
                rid = _occurrence_of(item.plancal_occurrence)
                h = replace(self._held(item), moved={rid: self._when(item.start, all_day)})
                singles[name] = _Handle(item.id, item.changekey, h, all_day)
                continue
            h = self._held(item)
            if h.key in held:  # plancal's pushes never make one; a copy made in Outlook may
                duplicates.append(h.key)
                continue
            held[h.key] = h
            handles[h.key] = _Handle(item.id, item.changekey, h, bool(item.is_all_day))
        if duplicates:
            raise ExchangeError(
                msg(
                    Text(
                        "the calendar holds two items tagged {keys}",
                        "kalendern har två möten märkta {keys}",
                    ),
                    keys=", ".join(sorted(set(duplicates))),
                ),
                msg(
                    Text(
                        "delete the copy in Outlook, then push again",
                        "ta bort kopian i Outlook och pusha sedan igen",
                    )
                ),
            )
        self.orphans = {}
        for name, single in sorted(singles.items()):
            # A restored occurrence held apart: the series holds it, at the meeting's time.
            [(rid, start)] = single.held.moved.items()
            series = held.get(single.held.key)
            if series is None:  # its series was deleted outside plancal: the meeting goes too
                self.orphans.setdefault(single.held.key, []).append(name)
                continue
            moved = dict(series.moved)
            if start != rid:
                moved[rid] = start
            held[series.key] = replace(
                series,
                cancelled=series.cancelled - {rid},
                moved=moved,
                singles={**series.singles, rid: start},
            )
            handles[series.key].held = held[series.key]
        remembered = [
            Pushed(k, x.item_id, x.change_key, x.held.digest or "", snapshot(x.held))
            for k, x in handles.items()
        ]
        self.handles = handles
        self.single_handles = singles
        if self.state is not None and self.record:
            known = self.state.load()
            # Pushed before, gone now: someone deleted it outside plancal; it is made again.
            self.vanished = sorted(set(known) - set(held) - {LEDGER_KEY})
            self.state.forget(self.vanished)
            self.state.remember(remembered, self.clock())
        return held

    def _learn_aliases(self, found: list[Any]) -> None:
        """Exchange keeps a recipient as its mailbox's primary SMTP address, whatever the plan
        spelt (an alias). When the calendar holds addresses the plan does not name, the plan's
        addresses it does not hold are resolved (ResolveNames, once each), so both sides are
        compared in the plan's spelling; a no-op push asks nothing."""
        seen = {
            self._canonical(a.mailbox.email_address)
            for item in found
            for a in (item.required_attendees or [])
            if a.mailbox and a.mailbox.email_address
        }
        unknown = sorted(self.planned - seen - self._resolved)
        if not seen - self.planned or not unknown:
            return
        account = self.account()
        for name in unknown:
            self._resolved.add(name)
            try:
                answers = self._call(functools.partial(_resolve_names, account, name))
            except ExchangeError:
                continue  # not in the directory: the plan's spelling is what Exchange keeps
            for answer in answers:
                box = answer[0] if isinstance(answer, tuple) else answer
                primary = (getattr(box, "email_address", None) or "").lower()
                if primary and primary != name:
                    self.aliases[primary] = name

    def _canonical(self, address: str) -> str:
        a = address.strip().lower()
        return self.aliases.get(a, a)

    def _held(self, item: Any) -> Held:
        all_day = bool(item.is_all_day)
        # Only what plancal writes: required attendees. Rooms and optional attendees someone
        # added in Outlook are theirs, left alone and never compared (else every push would
        # "restore" a list it cannot write back as it reads it).
        attendees = frozenset(
            self._canonical(a.mailbox.email_address)
            for a in (item.required_attendees or [])
            if a.mailbox and a.mailbox.email_address
        )
        cancelled = frozenset(
            self._when(d.start, all_day) for d in (item.deleted_occurrences or [])
        )
        moved: dict[When, When] = {}
        modified: set[When] = set()
        for o in item.modified_occurrences or []:
            original, start = self._when(o.original_start, all_day), self._when(o.start, all_day)
            modified.add(original)
            if original != start:
                moved[original] = start
        digest = item.plancal_digest or None
        return Held(
            item.plancal_key,
            item.plancal_activity or "",
            digest,
            attendees,
            cancelled,
            moved,
            item.type == "RecurringMaster",
            item.subject or "",
            item.plancal_timing or None,
            frozenset(modified),
        )

    def _when(self, value: Any, all_day: bool) -> When:
        if not isinstance(value, datetime):  # exchangelib gives an all-day item's day
            return date(value.year, value.month, value.day)
        moment = datetime.fromtimestamp(value.timestamp(), UTC)
        return moment.astimezone(self.tz).date() if all_day else moment

    # --- writing -------------------------------------------------------------------------

    def apply(self, changes: list[Change], progress: Progress | None = None) -> None:
        """Carry the changes out, phase by phase; Unsettled when a write's fate is unknown."""
        if not changes:
            return
        held = {k: h.held for k, h in self.handles.items()}
        if self.quota_reached:  # the mailbox's quota was used up (by us or anyone): a minute
            self.quota_reached = False
            self._pause(60.0)
        if not self.limits.active:
            self._run(plan_phases(changes, held), progress)
            return
        # Within the sending limits: the changes go key by key, as many a minute as fit.
        groups: dict[str, list[Change]] = {}
        for c in changes:
            groups.setdefault(c.key, []).append(c)
        pending = list(groups.values())
        sending = self.sending()
        while pending:
            now = self.clock()
            part: list[Change] = []
            sent = recipients = 0
            while pending:
                m = messages(pending[0], now, apart=True)
                if not sending.fits_day(now, recipients + m.total()):
                    if not part:
                        raise self._day_limit(sending, now, m.total(), len(pending))
                    break
                if part and not sending.fits_minute(now, sent + m.sent):
                    break
                part += pending.pop(0)
                sent, recipients = sent + m.sent, recipients + m.total()
            wait = sending.wait(now, sent)
            if wait > 0:
                self.sleep(wait)
                now = self.clock()
            sending.spend(now, sent, recipients)  # counted before it goes: a crash still counts
            self._remember_sending()
            self._run(plan_phases(part, held), progress)

    def _pause(self, wait: float) -> None:
        if self.waited + wait > self.c.max_wait:
            raise ExchangeError(
                msg(
                    Text(
                        "Exchange at {url} refused to send more messages for more than {s} s "
                        "(ErrorSubmissionQuotaExceeded; max_wait in {where})",
                        "Exchange på {url} vägrade skicka fler meddelanden i mer än {s} s "
                        "(ErrorSubmissionQuotaExceeded; max_wait i {where})",
                    ),
                    url=self.c.url or "autodiscover",
                    s=self.c.max_wait,
                    where=self.c.where,
                )
            )
        self.waited += wait
        self.sleep(wait)

    def sending(self) -> Sending:
        """What this mailbox sent over the last day, as the push ledger remembers it."""
        if self._sending is None:
            row = self.state.load().get(LEDGER_KEY) if self.state is not None else None
            self._sending = Sending.from_snapshot(self.limits, row.snapshot if row else None)
        return self._sending

    def _remember_sending(self) -> None:
        if self.state is not None and self.record and self._sending is not None:
            row = Pushed(LEDGER_KEY, "", "", "", self._sending.snapshot())
            self.state.remember([row], self.clock())

    def _day_limit(self, sending: Sending, now: datetime, needed: int, left: int) -> ExchangeError:
        when = sending.day_frees(now, needed)
        return ExchangeError(
            msg(
                Text(
                    "the push stopped before Exchange's limit of {limit} recipients a day for "
                    "{mailbox}: {sent} were sent in the last 24 hours and {left} change(s) "
                    "still need {n} more",
                    "pushen stannade före Exchanges gräns på {limit} mottagare per dygn för "
                    "{mailbox}: {sent} skickades de senaste 24 timmarna och {left} ändring(ar) "
                    "behöver {n} till",
                ),
                limit=self.limits.per_day,
                mailbox=self.c.mailbox,
                sent=sending.recipients_since(now),
                left=left,
                n=needed,
            ),
            msg(
                Text(
                    "run the push again after {when} UTC: it continues where it stopped "
                    "(recipients_per_day in {where} states the limit)",
                    "kör pushen igen efter {when} UTC: den fortsätter där den slutade "
                    "(recipients_per_day i {where} anger gränsen)",
                ),
                when=max(when, now).strftime("%Y-%m-%d %H:%M"),
                where=self.c.where,
            ),
        )

    def _run(self, p: Phases, progress: Progress | None) -> None:
        """Send the planned phases; stop at the first phase that did not settle."""
        from exchangelib.items import (
            SEND_TO_ALL_AND_SAVE_COPY,
            SEND_TO_CHANGED_AND_SAVE_COPY,
            SEND_TO_NONE,
        )

        all_, none, changed = SEND_TO_ALL_AND_SAVE_COPY, SEND_TO_NONE, SEND_TO_CHANGED_AND_SAVE_COPY
        folder = self.calendar()
        total, done = p.size(), [0]

        def tick(n: int) -> None:
            done[0] += n
            if progress is not None:
                progress(done[0], total)

        def ref(key: str) -> Any:
            h = self.handles[key]
            return self._ref(h.item_id, h.change_key)

        def phase(*batches: _Batch) -> None:
            failures: list[str] = []
            for batch in batches:
                failures += self._send(batch, tick)
            if failures:
                raise Unsettled("; ".join(failures))

        def single(name: str) -> Any:
            h = self.single_handles[name]
            return self._ref(h.item_id, h.change_key)

        deletes = [_Batch("delete", all_), _Batch("delete", none)]
        for s in p.singles_delete:  # before their series: it may be written anew
            name = single_key(s.key, s.rid)
            if name in self.single_handles:
                deletes[0].add(name, single(name))
        for names in self.orphans.values():
            for name in names:
                deletes[0].add(name, single(name))
        for key in p.delete_announced:
            deletes[0].add(key, ref(key))
        for key in p.delete_silent:
            deletes[1].add(key, ref(key))
        creates = [_Batch("create", all_), _Batch("create", none), _Batch("update", none)]
        for want in p.create_announced:
            creates[0].add(want.key, self._new(folder, want, want.digest))
        for want in p.create_silent:
            creates[1].add(want.key, self._new(folder, want, ""))
        for want, digest in p.resets:
            item, names = self._rewrite(self.handles[want.key], want, digest)
            creates[2].add(want.key, item, names)
        for s in p.singles_create:
            assert s.want is not None
            creates[0].add(
                single_key(s.key, s.rid), self._single(folder, s.want, s.rid, s.start or s.rid)
            )
        phase(*deletes)
        phase(*creates)
        # The exceptions: silent ones of the series just written (now that they have ids),
        # then the announced ones; moves in waves that never cross a neighbour.
        held = {k: h.held for k, h in self.handles.items()}
        silent_deletes: list[Occurrence] = []
        silent_moves: list[Occurrence] = []
        for want in p.silent:
            if want.key in self.handles:
                d, m = silent_exceptions(want)
                silent_deletes += d
                silent_moves += m
        phase(self._occurrences("delete", none, silent_deletes))
        for wave in waves(silent_moves, held, self.tz, fresh=True):
            phase(self._occurrences("update", none, wave))
        phase(self._occurrences("delete", all_, p.occurrence_deletes))
        # Content before moves: a master's update is sent once more per modified occurrence,
        # so the occurrences moved in this round are not told twice.
        updates = [_Batch("update", all_), _Batch("update", changed)]
        for want in p.updates_all:
            updates[0].add(want.key, *self._content(self.handles[want.key], want))
        for want in p.updates_changed:
            updates[1].add(want.key, *self._content(self.handles[want.key], want))
        # The announcements go last; with no announced move between, in the same request.
        announce = updates[0] if not p.occurrence_moves else _Batch("update", all_)
        for want in p.announce:
            if want.key in self.handles:
                announce.add(want.key, *self._content(self.handles[want.key], want))
        # A series' single meetings before its master: should the push stop in between, the
        # master still holds the old content hash and the next round updates it again.
        singles = [_Batch("update", all_), _Batch("update", changed)]
        for batch, group in ((singles[0], p.singles_all), (singles[1], p.singles_changed)):
            for s in group:
                name = single_key(s.key, s.rid)
                if s.want is not None and name in self.single_handles:
                    batch.add(name, *self._single_content(self.single_handles[name], s.want))
        phase(*singles)
        phase(*updates)
        moves = _Batch("update", all_)
        for s in p.singles_moves:
            name = single_key(s.key, s.rid)
            if s.want is not None and name in self.single_handles:
                h = self.single_handles[name]
                item = self._ref(h.item_id, h.change_key)
                item.start, item.end = self._span(s.want, s.start or s.rid)
                moves.add(name, item, ["start", "end"])
        phase(moves)
        for wave in waves(p.occurrence_moves, held, self.tz):
            phase(self._occurrences("update", all_, wave))
        if announce is not updates[0]:
            phase(announce)

    def _occurrences(self, op: str, send: str, occurrences: list[Occurrence]) -> _Batch:
        batch = _Batch(op, send)
        for o in occurrences:
            handle = self.handles.get(o.key)
            if handle is None:
                continue
            occ = self._occurrence(handle, o.want, o.rid)
            if op == "update":
                occ.start, occ.end = self._span(o.want, o.start or o.rid)
                batch.add(o.key, occ, ["start", "end"])
            else:
                batch.add(o.key, occ)
        return batch

    def _send(self, batch: _Batch, tick: Callable[[int], None]) -> list[str]:
        """One request per ``batch`` items, each journalled while in flight.

        Every item's answer is looked at on its own (exchangelib is asked to return per-item
        errors rather than raise the first one and lose the rest). An item refused as busy was
        not carried out, but the others in its request were: the round ends unsettled and the
        next one reads the calendar again — the request is never sent again as it was.
        """
        if not batch.entries:
            return []
        account = self.account()
        failures: list[str] = []
        for chunk in _chunks(batch.entries, self.c.batch):
            keys = [k for k, _, _ in chunk]
            if self.state is not None:
                self.state.begin(((k, batch.op) for k in keys), self.clock())
            folder = self.calendar() if batch.op == "create" else None
            try:
                results = self._call(
                    functools.partial(_request, account, folder, batch, chunk), write=True
                )
            except Unsettled:
                self.uncertain.update(keys)  # may land later: never re-created blindly
                raise
            for (key, _, _), result in zip(chunk, results, strict=False):
                if isinstance(result, Exception):
                    name = type(result).__name__
                    if batch.op == "delete" and name in (
                        "ErrorItemNotFound",
                        "ErrorCalendarOccurrenceIsDeletedFromRecurrence",
                    ):
                        continue  # already gone: what a delete wanted
                    if name in REFUSED_FOR_GOOD:
                        raise ExchangeError(_explain(result, self.c))
                    if name == "ErrorSubmissionQuotaExceeded":  # not sent: the next round waits
                        self.quota_reached = True
                    failures.append(f"{key}: {name}")
                    self.uncertain.add(key)
                elif batch.op == "create" and "#" in key:  # a single meeting beside a series
                    h = Held(key, "", None, frozenset())
                    self.single_handles[key] = _Handle(result.id, result.changekey, h, False)
                elif batch.op == "create":
                    old = self.handles.get(key)
                    h = old.held if old else Held(key, "", None, frozenset())
                    self.handles[key] = _Handle(result.id, result.changekey, h, False)
            if self.state is not None:
                self.state.end(keys)
            tick(len(chunk))
        return failures

    # --- items -----------------------------------------------------------------------------

    def _ref(self, item_id: str, change_key: str) -> Any:
        from exchangelib import CalendarItem

        return CalendarItem(account=self.account(), id=item_id, changekey=change_key)

    def _fields(self, want: Meeting) -> dict[str, Any]:
        from exchangelib import Attendee, Body, Mailbox

        a = want.activity
        start, end = self._span(want, want.start)
        values: dict[str, Any] = {
            "subject": want.title,
            "body": Body(want.body),
            "location": want.location,
            "start": start,
            "end": end,
            "is_all_day": want.all_day,
            "legacy_free_busy_status": "Free" if want.all_day else "Busy",
            "reminder_is_set": want.reminder is not None,
            "reminder_minutes_before_start": want.reminder or 0,
            "sensitivity": "Private" if want.private else "Normal",
            "categories": list(a.areas) or None,
            "required_attendees": [
                Attendee(mailbox=Mailbox(email_address=e)) for e in sorted(want.attendees)
            ]
            or None,
            "plancal_plan": self.plan_id,
            "plancal_key": want.key,
            "plancal_activity": a.id,
            "plancal_timing": want.timing,
        }
        values["recurrence"] = self._recurrence(want) if want.rule is not None else None
        return values

    def _new(self, folder: Any, want: Meeting, digest: str) -> CalendarItem:
        from exchangelib import CalendarItem

        values = self._fields(want)
        values["plancal_digest"] = digest
        return CalendarItem(
            account=self.account(),
            folder=folder,
            **{k: v for k, v in values.items() if v is not None},
        )

    def _single(self, folder: Any, want: Meeting, rid: When, start: When) -> CalendarItem:
        """One occurrence of a series as a meeting of its own, tagged with the series' key and
        the occurrence (its original start), so a read folds it back into the series."""
        from exchangelib import CalendarItem

        values = self._fields(want)
        values["recurrence"] = None
        values["start"], values["end"] = self._span(want, start)
        values["plancal_digest"] = want.digest
        values["plancal_occurrence"] = rid.isoformat()
        return CalendarItem(
            account=self.account(),
            folder=folder,
            **{k: v for k, v in values.items() if v is not None},
        )

    def _single_content(self, handle: _Handle, want: Meeting) -> tuple[Any, list[str]]:
        """A single meeting beside a series: the series' content, its own time kept."""
        item = self._ref(handle.item_id, handle.change_key)
        values = self._fields(want)
        for k in ("start", "end", "is_all_day", "recurrence"):
            values.pop(k)
        values["plancal_digest"] = want.digest
        names = []
        for k, v in values.items():
            if v is None and k not in ("location", "categories", "required_attendees"):
                continue
            setattr(item, k, v)
            names.append(k)
        return item, names

    def _rewrite(self, handle: _Handle, want: Meeting, digest: str) -> tuple[Any, list[str]]:
        """Every field but the attendees (they change when the series is announced)."""
        item = self._ref(handle.item_id, handle.change_key)
        values = self._fields(want)
        values.pop("required_attendees")
        values["plancal_digest"] = digest
        names = []
        for k, v in values.items():
            if v is None and k in ("recurrence", "location", "categories"):
                names.append(k)  # exchangelib deletes a field set to None
                continue
            setattr(item, k, v)
            names.append(k)
        return item, names

    def _content(self, handle: _Handle, want: Meeting) -> tuple[Any, list[str]]:
        """Everything of a single meeting; of a series, what leaves its times alone (a new
        time is a rewrite: Exchange would drop the series' exceptions)."""
        item = self._ref(handle.item_id, handle.change_key)
        values = self._fields(want)
        if want.rule is not None:
            for k in ("start", "end", "is_all_day", "recurrence"):
                values.pop(k)
        else:
            values.pop("recurrence")
        values["plancal_digest"] = want.digest
        names = []
        for k, v in values.items():
            if v is None and k not in ("location", "categories", "required_attendees"):
                continue
            setattr(item, k, v)
            names.append(k)
        return item, names

    def _occurrence(self, handle: _Handle, want: Meeting, rid: When) -> Any:
        from exchangelib import CalendarItem
        from exchangelib.properties import OccurrenceItemId

        index = instance_index(want, rid, self.tz)
        return CalendarItem(
            account=self.account(),
            _id=OccurrenceItemId(
                id=handle.item_id, changekey=handle.change_key, instance_index=index
            ),
        )

    def _span(self, want: Meeting, start: When) -> tuple[Any, Any]:
        """Start and end in Exchange's types: EWSDateTime in the plan's zone, or EWSDate."""
        from exchangelib import EWSDate, EWSDateTime, EWSTimeZone

        length = _length(want)
        if isinstance(start, datetime):
            tz = EWSTimeZone(self.tz.key)
            local = start.astimezone(self.tz).replace(tzinfo=None)
            end_local = local + length  # wall-clock arithmetic, as the plan means it
            return (
                EWSDateTime.from_datetime(local).replace(tzinfo=tz),
                EWSDateTime.from_datetime(end_local).replace(tzinfo=tz),
            )
        # exchangelib takes an all-day end as the last day itself (it adds the day on the wire).
        return EWSDate.from_date(start), EWSDate.from_date(start + length - timedelta(days=1))

    def _recurrence(self, want: Meeting) -> Any:
        from exchangelib.recurrence import (
            AbsoluteMonthlyPattern,
            DailyPattern,
            Recurrence,
            RelativeMonthlyPattern,
            WeeklyPattern,
        )

        assert want.rule is not None and want.until is not None
        spec = pattern_of(want.rule)
        assert spec is not None
        kind, interval, values = spec
        if kind == "weekly":
            pattern: Any = WeeklyPattern(
                interval=interval, weekdays=[d + 1 for d in values], first_day_of_week=1
            )
        elif kind == "relative":
            day, nth = values
            pattern = RelativeMonthlyPattern(
                interval=interval, weekday=day + 1, week_number=5 if nth == -1 else nth
            )
        elif kind == "absolute":
            pattern = AbsoluteMonthlyPattern(interval=interval, day_of_month=values[0])
        else:
            pattern = DailyPattern(interval=interval)
        return Recurrence(
            pattern=pattern,
            start=_local_day(want.start, self.tz),
            end=_local_day(want.until, self.tz),
        )


# Per-item answers no further round can change: the push stops and says why.
REFUSED_FOR_GOOD = {
    "ErrorAccessDenied",
    "ErrorImpersonateUserDenied",
    "ErrorNonExistentMailbox",
    "ErrorFolderNotFound",
    "ErrorQuotaExceeded",
}

# --- requests --------------------------------------------------------------------------------


@functools.cache
def _services() -> dict[str, Any]:
    """exchangelib's write services, told to hand back every per-item error as a value.

    By default exchangelib raises on the first per-item error it does not expect (an
    ErrorServerBusy, an ErrorOccurrenceCrossingBoundary) and the answers for the other items
    of that request are lost; plancal needs each item's answer to know what landed.
    """
    from exchangelib.errors import ResponseMessageError
    from exchangelib.services import CreateItem, DeleteItem, UpdateItem

    return {
        op: type(
            f"Each{cls.__name__}", (cls,), {"ERRORS_TO_CATCH_IN_RESPONSE": ResponseMessageError}
        )
        for op, cls in (("create", CreateItem), ("update", UpdateItem), ("delete", DeleteItem))
    }


def _identity(item: Any) -> str:
    """The journal's name for an item: its key, or for a single meeting beside a series, the
    key and the occurrence it holds."""
    key = getattr(item, "plancal_key", None) or ""
    occurrence = getattr(item, "plancal_occurrence", None)
    return single_key(key, _occurrence_of(occurrence)) if occurrence else key


def _resolve_names(account: Any, name: str) -> list[Any]:
    return list(account.protocol.resolve_names([name]))


def _request(
    account: Any, folder: Any, batch: _Batch, chunk: list[tuple[str, Any, list[str]]]
) -> list[Any]:
    service = _services()[batch.op](account=account, chunk_size=len(chunk))
    if batch.op == "create":
        return list(
            service.call(
                items=[i for _, i, _ in chunk],
                folder=folder,
                message_disposition="SaveOnly",
                send_meeting_invitations=batch.send,
            )
        )
    if batch.op == "update":
        return list(
            service.call(
                items=[(i, f) for _, i, f in chunk],
                conflict_resolution="AlwaysOverwrite",
                message_disposition="SaveOnly",
                send_meeting_invitations_or_cancellations=batch.send,
                suppress_read_receipts=True,
            )
        )
    return list(
        service.call(
            items=[i for _, i, _ in chunk],
            delete_type="MoveToDeletedItems",
            send_meeting_cancellations=batch.send,
            affected_task_occurrences="AllOccurrences",
            suppress_read_receipts=True,
        )
    )


# --- helpers ---------------------------------------------------------------------------------


def instance_index(want: Meeting, rid: When, tz: ZoneInfo) -> int:
    """Exchange's 1-based index of an occurrence: its place in the pattern from the start."""
    assert want.rule is not None and want.series is not None
    start = want.series.start
    naive_start = (
        start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
    )
    if isinstance(rid, datetime):
        target = rid.astimezone(tz).replace(tzinfo=None)
    else:
        target = datetime.combine(rid, datetime.min.time())
    for count, instant in enumerate(want.rule.instants(naive_start, target), start=1):
        if instant == target:
            return count
    raise ValueError(f"{rid} is not an occurrence of {want.key}")


def _length(want: Meeting) -> timedelta:
    assert want.series is not None
    return want.series.duration


def _local_day(value: When | None, tz: ZoneInfo) -> date:
    assert value is not None
    return value.astimezone(tz).date() if isinstance(value, datetime) else value


def _order(value: When) -> str:
    return value.isoformat()


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _why(e: Exception, timeout: int) -> Text:
    """A failed connection in words, never the library's text."""
    name = type(e).__name__
    if "Timeout" in name:
        return Text(f"timeout after {timeout} s", f"ingen svar inom {timeout} s")
    if name in ("ConnectionError", "ConnectionRefusedError", "NewConnectionError"):
        return Text("the connection was refused or dropped", "anslutningen nekades eller bröts")
    return Text("the connection failed", "anslutningen misslyckades")


def _explain(e: Exception, c: Connection) -> Message:
    """exchangelib's errors in words a coordinator can act on: bilingual, naming the settings
    to check, never the library's own text and never a secret."""
    name = type(e).__name__
    where = c.url or "autodiscover"
    if name == "UnauthorizedError":
        return msg(
            Text(
                "Exchange at {url} refused the sign-in ({auth}); check username and "
                "PLANCAL_EXCHANGE_PASSWORD (or the OAuth2 client settings) in {where}",
                "Exchange på {url} nekade inloggningen ({auth}); kontrollera username och "
                "PLANCAL_EXCHANGE_PASSWORD (eller OAuth2-inställningarna) i {where}",
            ),
            url=where,
            auth=c.auth,
            where=c.where,
        )
    if name in (
        "ErrorAccessDenied",
        "ErrorImpersonateUserDenied",
        "ErrorNonExistentMailbox",
        "ErrorFolderNotFound",
    ):
        rights = (
            Text(
                "the ApplicationImpersonation role (on premises) or app-only access scoped "
                "to that mailbox (Exchange Online)",
                "rollen ApplicationImpersonation (lokalt) eller app-behörighet begränsad "
                "till den brevlådan (Exchange Online)",
            )
            if c.access == "impersonation"
            else Text(
                "delegate access with Editor rights to that mailbox's calendar",
                "ombudsbehörighet med redigeringsrätt till den brevlådans kalender",
            )
        )
        return msg(
            Text(
                "Exchange at {url} refused access to {mailbox} ({code}); the account in "
                "{where} needs {rights} (see the README, Exchange access)",
                "Exchange på {url} nekade åtkomst till {mailbox} ({code}); kontot i {where} "
                "behöver {rights} (se README, Exchange access)",
            ),
            url=where,
            mailbox=c.mailbox,
            code=name,
            where=c.where,
            rights=rights,
        )
    if name in ("AutoDiscoverFailed", "AutoDiscoverCircularRedirect"):
        return msg(
            Text(
                "autodiscover found no Exchange server for {mailbox}; set url = "
                '"https://…/EWS/Exchange.asmx" in {where}',
                "autodiscover hittade ingen Exchange-server för {mailbox}; sätt url = "
                '"https://…/EWS/Exchange.asmx" i {where}',
            ),
            mailbox=c.mailbox,
            where=c.where,
        )
    if name.startswith("Error"):  # an EWS response code: Microsoft's name for the refusal
        return msg(
            Text(
                "Exchange at {url} refused the request ({code})",
                "Exchange på {url} avvisade begäran ({code})",
            ),
            url=where,
            code=name,
        )
    return msg(
        Text(
            "Exchange at {url} gave an answer plancal cannot read (is it an EWS address?); "
            "check the url in {where}",
            "Exchange på {url} gav ett svar som plancal inte kan läsa (är det en "
            "EWS-adress?); kontrollera url i {where}",
        ),
        url=where,
        where=c.where,
    )
