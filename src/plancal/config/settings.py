"""Settings: one declarative schema for the settings file and the environment.

Connection settings (database, SMTP, Exchange, the feed server) live in a TOML file, never in
the plan. Each option is declared once, below, with its type and its explanation; the same
declaration checks the file, reads environment overrides and prints ``plancal config``.

Precedence: environment (``PLANCAL_<SECTION>_<KEY>``) over the file over the default.
Secrets (``secret=True``) are read only from the environment or the system keyring (service
``plancal``, user ``<section>.<key>``) and never from the file: a secret in the file is an
error that names the variable to use instead. Secrets are never printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from plancal.errors import PlanError, Problems, Where
from plancal.i18n import Lang, Text, msg
from plancal.rules.schema import EMAIL, INVALID, Bool, Choice, DurationK, Int, Kind, Str

_SECONDS_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:s|sek|sekunder|seconds?)")


class Interval(DurationK):
    """A duration for the service's rhythm: what DurationK takes (minutes), or seconds
    (``30 s``, ``PT30S``), since a lease or a test's tick is shorter than a minute."""

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            m = _SECONDS_RE.fullmatch(text) or re.fullmatch(r"pt(\d+(?:\.\d+)?)s", text)
            if m:
                seconds = float(m.group(1).replace(",", "."))
                if 0 < seconds <= 14 * 24 * 3600:
                    return timedelta(seconds=seconds)
        return super().check(value, where, problems)

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": ["integer", "string"], "examples": [15, "30 s", "1 h"]}


@dataclass(frozen=True)
class Option:
    key: str
    kind: Kind
    doc: Text
    default: Any = None
    secret: bool = False


@dataclass(frozen=True)
class Section:
    name: str
    doc: Text
    options: tuple[Option, ...]


# Each feature declares its section here: one place lists everything plancal can be told.
SECTIONS: tuple[Section, ...] = (
    Section(
        "store",
        Text("The state store.", "Tillståndslagret."),
        (
            Option(
                "url",
                Str(),
                Text(
                    "SQLite path or postgresql://user@host/db; default: a SQLite file in the state "
                    "directory.",
                    "SQLite-sökväg eller postgresql://user@host/db; standard: en "
                    "SQLite-fil i tillståndskatalogen.",
                ),
            ),
            Option(
                "password",
                Str(),
                Text(
                    "Database password, if the URL needs one (environment or keyring only).",
                    "Databasens lösenord, om adressen kräver det (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
        ),
    ),
    Section(
        "smtp",
        Text("Sending reminders by e-mail.", "Påminnelser med e-post."),
        (
            Option(
                "host",
                Str(),
                Text(
                    "SMTP server, e.g. smtp.soderhamn.se.", "SMTP-server, t.ex. smtp.soderhamn.se."
                ),
            ),
            Option(
                "port",
                Int(1, 65535),
                Text(
                    "SMTP port (587: submission with STARTTLS).",
                    "SMTP-port (587: inlämning med STARTTLS).",
                ),
                587,
            ),
            Option(
                "starttls",
                Bool(),
                Text(
                    "Encrypt with STARTTLS before logging in (turn off only for a relay on this host).",
                    "Kryptera med STARTTLS före inloggning (stäng av bara för ett relä på denna "
                    "dator).",
                ),
                True,
            ),
            Option(
                "cafile",
                Str(),
                Text(
                    "CA certificates (PEM) to trust for the server, if it uses an internal CA.",
                    "CA-certifikat (PEM) att lita på för servern, om den har en intern CA.",
                ),
            ),
            Option(
                "username",
                Str(),
                Text(
                    "Login name, if the server wants one.",
                    "Inloggningsnamn, om servern kräver det.",
                ),
            ),
            Option(
                "password",
                Str(),
                Text(
                    "Login password (environment or keyring only).",
                    "Lösenord för inloggning (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "from",
                EMAIL,
                Text("Sender address of the reminders.", "Avsändaradress för påminnelserna."),
            ),
        ),
    ),
    Section(
        "mail",
        Text(
            "Invitations by e-mail (plancal push mail), sent through [smtp].",
            "Inbjudningar med e-post (plancal push mail), skickade via [smtp].",
        ),
        (
            Option(
                "organizer",
                EMAIL,
                Text(
                    "The organizer of every meeting: invitations come from it and replies go "
                    "to it. Empty: [smtp] from.",
                    "Arrangör för alla möten: inbjudningarna kommer därifrån och svaren går dit. "
                    "Tom: [smtp] from.",
                ),
            ),
        ),
    ),
    Section(
        "caldav",
        Text(
            "A CalDAV calendar (plancal push caldav --url URL).",
            "En CalDAV-kalender (plancal push caldav --url URL).",
        ),
        (
            Option(
                "username",
                Str(),
                Text("Login name on the CalDAV server.", "Inloggningsnamn på CalDAV-servern."),
            ),
            Option(
                "password",
                Str(),
                Text(
                    "Login password (environment or keyring only).",
                    "Lösenord (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "timeout",
                Int(1, 3600),
                Text(
                    "Seconds to wait for one answer from the server.",
                    "Sekunder att vänta på ett svar från servern.",
                ),
                default=30,
            ),
        ),
    ),
    Section(
        "reminders",
        Text("Follow-up reminders.", "Påminnelser om uppföljningar."),
        (
            Option(
                "late_days",
                Int(0, 366),
                Text(
                    "How many days after its deadline a missed reminder still goes out (marked late).",
                    "Hur många dagar efter sista dag en missad påminnelse ändå skickas (som "
                    "försenad).",
                ),
                7,
            ),
        ),
    ),
    Section(
        "daemon",
        Text("plancal run: the background service.", "plancal run: bakgrundstjänsten."),
        (
            Option(
                "reminder_every",
                Interval(),
                Text(
                    "How often to send the reminders that are owed.",
                    "Hur ofta påminnelser som ska ut skickas.",
                ),
                timedelta(minutes=1),
            ),
            Option(
                "publish_every",
                Interval(),
                Text(
                    "How often to recompile the feeds (and push, if on).",
                    "Hur ofta flödena kompileras om (och skickas ut, om påslaget).",
                ),
                timedelta(minutes=15),
            ),
            Option(
                "out",
                Str(),
                Text(
                    "Folder to write the feeds to; unset: the daemon only sends reminders.",
                    "Katalog för flödena; utan värde skickar tjänsten bara påminnelser.",
                ),
            ),
            Option(
                "push",
                Bool(),
                Text(
                    "Also push the calendars to the configured targets (Exchange) after compiling.",
                    "Skicka även kalendrarna till de inställda målen (Exchange) efter kompilering.",
                ),
                False,
            ),
            Option(
                "lease",
                Interval(),
                Text(
                    "A folder of plans on PostgreSQL: how soon the plans of a process that died "
                    "or lost the network are taken over by the others.",
                    "En mapp med planer på PostgreSQL: hur snart planerna för en process som "
                    "dött eller tappat nätet tas över av de andra.",
                ),
                timedelta(seconds=30),
            ),
        ),
    ),
    Section(
        "server",
        Text(
            "The feed server (plancal serve, plancal export, plancal token).",
            "Flödesservern (plancal serve, plancal export, plancal token).",
        ),
        (
            Option(
                "host",
                Str(),
                Text(
                    "Address to listen on; 127.0.0.1 keeps it local (put a reverse proxy in front).",
                    "Adress att lyssna på; 127.0.0.1 håller den lokal (sätt en omvänd proxy framför).",
                ),
                default="127.0.0.1",
            ),
            Option(
                "port",
                Int(0, 65535),
                Text(
                    "Port to listen on (0: any free port).",
                    "Port att lyssna på (0: valfri ledig port).",
                ),
                default=8080,
            ),
            Option(
                "base_url",
                Str(
                    r"https?://\S+",
                    Text(
                        "write e.g. https://kalender.example.se/",
                        "skriv t.ex. https://kalender.example.se/",
                    ),
                ),
                Text(
                    "The public address people subscribe to (links, QR code, token URLs); "
                    "default: the plan's url, else http://host:port/.",
                    "Den offentliga adress man prenumererar på (länkar, QR-kod, token-adresser); "
                    "standard: planens url, annars http://host:port/.",
                ),
            ),
            Option(
                "reload",
                Int(1, 3600),
                Text(
                    "Seconds between checks of the plan file and the tokens (a revoke takes effect "
                    "within this time).",
                    "Sekunder mellan kontroller av planfilen och token (en återkallelse gäller inom "
                    "denna tid).",
                ),
                default=2,
            ),
            Option(
                "max_age",
                Int(0, 86400),
                Text(
                    "Cache-Control max-age of the feeds and the page, in seconds.",
                    "Cache-Control max-age för flödena och sidan, i sekunder.",
                ),
                default=300,
            ),
            Option(
                "access_log",
                Bool(),
                Text(
                    "Log every request: client, user agent, feed (a token shows as its id).",
                    "Logga varje förfrågan: klient, user agent, flöde (en token visas som sitt id).",
                ),
                default=True,
            ),
            Option(
                "max_connections",
                Int(10, 100_000),
                Text(
                    "Open connections at most; at the cap the oldest still sending its request "
                    "gives way.",
                    "Högsta antal öppna anslutningar; vid taket får den äldsta som ännu skickar "
                    "sin förfrågan ge plats.",
                ),
                default=2000,
            ),
            Option(
                "max_per_client",
                Int(1, 100_000),
                Text(
                    "Open connections per client address at most (a proxy in front: raise it).",
                    "Högsta antal öppna anslutningar per klientadress (proxy framför: höj den).",
                ),
                default=64,
            ),
            Option(
                "header_timeout",
                Int(1, 600),
                Text(
                    "Seconds a client has to send a whole request head; slower or idle "
                    "connections are closed.",
                    "Sekunder en klient har på sig att skicka hela förfrågans huvud; långsammare "
                    "eller tysta anslutningar stängs.",
                ),
                default=10,
            ),
            Option(
                "token_key",
                Str(),
                Text(
                    "Secret from which feed tokens are derived (environment or keyring only).",
                    "Hemlighet som flödenas token härleds ur (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
        ),
    ),
    Section(
        "exchange",
        Text(
            "Exchange Web Services: where `plancal push exchange` creates the meetings.",
            "Exchange Web Services: där `plancal push exchange` skapar mötena.",
        ),
        (
            Option(
                "mailbox",
                EMAIL,
                Text(
                    "The organizer's mailbox (a coordinator's or a shared mailbox); its calendar "
                    "holds the meetings and it sends the invitations.",
                    "Arrangörens brevlåda (en samordnares eller en gemensam); dess kalender har mötena "
                    "och den skickar inbjudningarna.",
                ),
            ),
            Option(
                "url",
                Str(
                    r"https?://\S+",
                    Text(
                        "write the EWS address, e.g. https://mail.example.se/EWS/Exchange.asmx",
                        "skriv EWS-adressen, t.ex. https://mail.example.se/EWS/Exchange.asmx",
                    ),
                    examples=("https://mail.example.se/EWS/Exchange.asmx",),
                ),
                Text(
                    "EWS endpoint; empty: found by autodiscover from the mailbox address.",
                    "EWS-adress; tom: hittas med autodiscover från brevlådans adress.",
                ),
            ),
            Option(
                "auth",
                Choice({"ntlm": "ntlm", "basic": "basic", "oauth2": "oauth2"}),
                Text(
                    "ntlm or basic (Exchange Server on premises), oauth2 (Exchange Online: client "
                    "credentials with impersonation).",
                    "ntlm eller basic (egen Exchange Server), oauth2 (Exchange Online: "
                    "klientuppgifter med impersonation).",
                ),
                default="ntlm",
            ),
            Option(
                "username",
                Str(),
                Text(
                    "ntlm/basic: the account that signs in, e.g. KOMMUN\\svc-plancal or an address.",
                    "ntlm/basic: kontot som loggar in, t.ex. KOMMUN\\svc-plancal eller en adress.",
                ),
            ),
            Option(
                "password",
                Str(),
                Text(
                    "ntlm/basic: its password (environment or keyring only).",
                    "ntlm/basic: dess lösenord (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "client_id",
                Str(),
                Text(
                    "oauth2: the application (client) id registered in Entra ID.",
                    "oauth2: applikationens (klientens) id i Entra ID.",
                ),
            ),
            Option(
                "tenant_id",
                Str(),
                Text(
                    "oauth2: the directory (tenant) id.",
                    "oauth2: katalogens (klientorganisationens) id.",
                ),
            ),
            Option(
                "client_secret",
                Str(),
                Text(
                    "oauth2: the application's client secret (environment or keyring only).",
                    "oauth2: applikationens klienthemlighet (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "certificate",
                Str(),
                Text(
                    "oauth2: the app's certificate and private key, PEM (preferred to a client "
                    "secret; environment or keyring only).",
                    "oauth2: appens certifikat och privata nyckel, PEM (att föredra framför en "
                    "klienthemlighet; bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "certificate_thumbprint",
                Str(),
                Text(
                    "oauth2: the certificate's thumbprint as Entra ID shows it.",
                    "oauth2: certifikatets tumavtryck som Entra ID visar det.",
                ),
            ),
            Option(
                "authority",
                Str(
                    r"https?://\S+",
                    Text(
                        "write the sign-in host, e.g. https://login.microsoftonline.com",
                        "skriv inloggningsvärden, t.ex. https://login.microsoftonline.com",
                    ),
                ),
                Text(
                    "oauth2: where tokens are issued (another host only for national clouds).",
                    "oauth2: där token utfärdas (annan värd bara för nationella moln).",
                ),
                default="https://login.microsoftonline.com",
            ),
            Option(
                "access",
                Choice({"delegate": "delegate", "impersonation": "impersonation"}),
                Text(
                    "How the account reaches the mailbox; default: impersonation (on premises: "
                    "the ApplicationImpersonation role scoped to the mailbox); delegate: the "
                    "mailbox's owner grants Editor rights to its calendar.",
                    "Hur kontot når brevlådan; standard: impersonation (lokalt: rollen "
                    "ApplicationImpersonation begränsad till brevlådan); delegate: brevlådans "
                    "ägare ger redigeringsrätt till kalendern.",
                ),
            ),
            Option(
                "timeout",
                Int(1, 3600),
                Text(
                    "Seconds to wait for one answer from the server.",
                    "Sekunder att vänta på ett svar från servern.",
                ),
                default=120,
            ),
            Option(
                "max_wait",
                Int(0, 86400),
                Text(
                    "Seconds a push may spend waiting for a busy server before it gives up.",
                    "Sekunder en push får vänta på en upptagen server innan den ger upp.",
                ),
                default=900,
            ),
            Option(
                "settle",
                Int(0, 3600),
                Text(
                    "Seconds between two reads after a write whose answer never came (it may "
                    "still land); empty: the timeout.",
                    "Sekunder mellan två läsningar efter en skrivning vars svar aldrig kom (den "
                    "kan fortfarande landa); tomt: timeout.",
                ),
                default=None,
            ),
            Option(
                "batch",
                Int(1, 100),
                Text(
                    "Items per request (Exchange allows at most 100).",
                    "Objekt per anrop (Exchange tillåter högst 100).",
                ),
                default=100,
            ),
            Option(
                "messages_per_minute",
                Int(0, 100_000),
                Text(
                    "Meeting messages the mailbox may send a minute; the push paces itself. "
                    "Empty: 30 for Exchange Online, none on premises; 0: none.",
                    "Mötesmeddelanden brevlådan får skicka per minut; pushen håller takten. "
                    "Tomt: 30 för Exchange Online, ingen gräns lokalt; 0: ingen gräns.",
                ),
                default=None,
            ),
            Option(
                "recipients_per_day",
                Int(0, 10_000_000),
                Text(
                    "Recipients the mailbox may reach in 24 hours; the push stops before the "
                    "limit and continues on the next run. Empty: 10000 for Exchange Online, "
                    "none on premises; 0: none.",
                    "Mottagare brevlådan får nå på 24 timmar; pushen stannar före gränsen och "
                    "fortsätter vid nästa körning. Tomt: 10000 för Exchange Online, ingen gräns "
                    "lokalt; 0: ingen gräns.",
                ),
                default=None,
            ),
        ),
    ),
    Section(
        "graph",
        Text(
            "Microsoft Graph (Exchange Online): where `plancal push graph` creates the meetings. "
            "The app needs the application permission Calendars.ReadWrite, limited to the "
            "organizer's mailbox with RBAC for Applications (a management scope), not "
            "tenant-wide.",
            "Microsoft Graph (Exchange Online): där `plancal push graph` skapar mötena. Appen "
            "behöver programbehörigheten Calendars.ReadWrite, begränsad till arrangörens "
            "brevlåda med RBAC för program (ett hanteringsomfång), inte i hela organisationen.",
        ),
        (
            Option(
                "mailbox",
                EMAIL,
                Text(
                    "The organizer's mailbox; its calendar holds the meetings and it sends the "
                    "invitations.",
                    "Arrangörens brevlåda; dess kalender har mötena och den skickar inbjudningarna.",
                ),
            ),
            Option(
                "tenant_id",
                Str(),
                Text(
                    "The directory (tenant) id in Entra ID.",
                    "Katalogens (klientorganisationens) id i Entra ID.",
                ),
            ),
            Option(
                "client_id",
                Str(),
                Text(
                    "The application (client) id of plancal's app registration.",
                    "Applikationens (klientens) id för plancals appregistrering.",
                ),
            ),
            Option(
                "certificate",
                Str(),
                Text(
                    "The app's certificate and private key, PEM (preferred to a secret; "
                    "environment or keyring only).",
                    "Appens certifikat och privata nyckel, PEM (att föredra framför en hemlighet; "
                    "bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "certificate_thumbprint",
                Str(),
                Text(
                    "The certificate's thumbprint as Entra ID shows it.",
                    "Certifikatets tumavtryck som Entra ID visar det.",
                ),
            ),
            Option(
                "client_secret",
                Str(),
                Text(
                    "The app's client secret, if no certificate (environment or keyring only).",
                    "Appens klienthemlighet, om inget certifikat (bara miljövariabel eller nyckelring).",
                ),
                secret=True,
            ),
            Option(
                "authority",
                Str(
                    r"https://\S+",
                    Text(
                        "write the sign-in host, e.g. https://login.microsoftonline.com",
                        "skriv inloggningsvärden, t.ex. https://login.microsoftonline.com",
                    ),
                ),
                Text(
                    "Where tokens are issued (another host only for national clouds).",
                    "Där token utfärdas (annan värd bara för nationella moln).",
                ),
                default="https://login.microsoftonline.com",
            ),
            Option(
                "url",
                Str(
                    r"https?://\S+",
                    Text(
                        "write the service root, e.g. https://graph.microsoft.com/v1.0",
                        "skriv tjänstens rot, t.ex. https://graph.microsoft.com/v1.0",
                    ),
                ),
                Text(
                    "The Graph service root (another only for national clouds).",
                    "Graphs tjänsterot (annan bara för nationella moln).",
                ),
                default="https://graph.microsoft.com/v1.0",
            ),
            Option(
                "timeout",
                Int(1, 3600),
                Text("Seconds to wait for one answer.", "Sekunder att vänta på ett svar."),
                default=120,
            ),
            Option(
                "max_wait",
                Int(0, 86400),
                Text(
                    "Seconds a push may spend waiting on throttling (Retry-After) before it gives up.",
                    "Sekunder en push får vänta på strypning (Retry-After) innan den ger upp.",
                ),
                default=900,
            ),
        ),
    ),
)


def env_name(section: str, key: str) -> str:
    return f"PLANCAL_{section.upper()}_{key.upper()}"


def default_path() -> Path:
    if explicit := os.environ.get("PLANCAL_CONFIG"):
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "plancal" / "plancal.toml"


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Mapping[str, Any]]
    source: str  # the file read, or "(no file at <where plancal looked>)"

    def get(self, section: str, key: str) -> Any:
        return self.values.get(section, {}).get(key)

    def shown(self) -> dict[str, dict[str, Any]]:
        """The effective settings with every secret masked, for output and logs."""
        out: dict[str, dict[str, Any]] = {}
        for section in SECTIONS:
            out[section.name] = {}
            for option in section.options:
                value = self.get(section.name, option.key)
                if isinstance(value, timedelta):  # as it is written: "15 min"
                    value = f"{round(value.total_seconds() / 60)} min"
                out[section.name][option.key] = "***" if option.secret and value else value
        return out


def _keyring_secret(section: str, key: str) -> str | None:
    try:
        import keyring  # optional: only where the machine has a keyring
    except ImportError:
        return None
    try:
        value = keyring.get_password("plancal", f"{section}.{key}")
    except Exception:  # no usable keyring backend is the same as no secret
        return None
    return str(value) if value else None


def load(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The effective settings, or PlanError naming the file and what to write instead."""
    import tomllib

    env = os.environ if environ is None else environ
    file = Path(path) if path is not None else default_path()
    problems = Problems()
    raw: dict[str, Any] = {}
    source = f"(no file at {file})"
    if file.exists():
        source = str(file)
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            problems.error(
                Where(source),
                msg(
                    Text(
                        "cannot read the settings: {error}",
                        "kan inte läsa inställningarna: {error}",
                    ),
                    error=str(e),
                ),
            )
            raise PlanError(problems.problems) from None
    elif path is not None:
        problems.error(
            Where(str(file)), msg(Text("no settings file here", "ingen inställningsfil här"))
        )
        raise PlanError(problems.problems)

    known = {s.name: s for s in SECTIONS}
    for name in raw:
        if name not in known:
            problems.error(
                Where(source),
                msg(Text("unknown section [{name}]", "okänd sektion [{name}]"), name=name),
                msg(Text("sections: {names}", "sektioner: {names}"), names=", ".join(known)),
            )
    values: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        given = raw.get(section.name, {})
        if not isinstance(given, dict):
            problems.error(
                Where(source),
                msg(
                    Text("[{name}] must be a table", "[{name}] ska vara en tabell"),
                    name=section.name,
                ),
            )
            continue
        declared = {o.key for o in section.options}
        for key in given:
            if key not in declared:
                problems.error(
                    Where(source),
                    msg(
                        Text("unknown option {section}.{key}", "okänd inställning {section}.{key}"),
                        section=section.name,
                        key=key,
                    ),
                    msg(
                        Text("options: {keys}", "inställningar: {keys}"),
                        keys=", ".join(sorted(declared)),
                    ),
                )
        values[section.name] = {}
        for option in section.options:
            variable = env_name(section.name, option.key)
            where = Where(f"{source} [{section.name}] {option.key}")
            if option.secret and option.key in given:
                problems.error(
                    where,
                    msg(
                        Text(
                            "a secret does not belong in a file",
                            "en hemlighet hör inte hemma i en fil",
                        )
                    ),
                    msg(
                        Text(
                            "remove it and set {var} (or the keyring)",
                            "ta bort den och sätt {var} (eller nyckelringen)",
                        ),
                        var=variable,
                    ),
                )
                continue
            value: Any = None
            if variable in env:
                value, where = env[variable], Where(f"${variable}")
            elif option.secret:
                value = _keyring_secret(section.name, option.key)
            elif option.key in given:
                value = given[option.key]
            if value is None:
                values[section.name][option.key] = option.default
                continue
            checked = option.kind.check(value, where, problems)
            values[section.name][option.key] = None if checked is INVALID else checked
    problems.raise_if_errors()
    return Settings(values, source)
