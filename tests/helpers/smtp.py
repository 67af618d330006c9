"""Real peers for the scheduler: an SMTP server (aiosmtpd) on loopback, stores on both backends."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "plancal", "hemligt-lösen"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


def body(received: Received) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@dataclass
class Gate:
    """Holds one message, the one after ``after`` accepted ones, until released; then drops it.

    A test kills the message's sender while the server holds it: the sender dies before the
    server said yes, so the message must come again from another sender.
    """

    after: int
    held: threading.Event = field(default_factory=threading.Event)  # a message is waiting
    released: threading.Event = field(default_factory=threading.Event)
    message_id: str | None = None  # the message held (and dropped)


@dataclass
class Mailbox:
    """What the server accepted, and how it should answer the next messages."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    busy: bool = False  # answer every message 451 (try again later)
    gate: Gate | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.busy:
            return "451 4.3.0 try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        gate = self.gate
        if gate is not None and not gate.held.is_set() and len(self.received) >= gate.after:
            gate.message_id = str(parsed["Message-ID"])
            gate.held.set()
            while not gate.released.is_set():  # other sessions go on meanwhile
                await asyncio.sleep(0.02)
            return "451 4.3.0 dropped by the test"
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(r.message["Message-ID"]) for r in self.received)


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: it learns its port before its self-test connects."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it untyped


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox
    cafile: str | None = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP on 127.0.0.1, as a local relay."""
    mailbox = Mailbox()
    controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """Submission as a real server does it: STARTTLS required before AUTH LOGIN/PLAIN."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USER.encode()
            and data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    mailbox = Mailbox()
    controller = LoopbackController(
        mailbox,
        hostname="127.0.0.1",
        port=0,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
        auth_required=True,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, mailbox, str(cafile))
    finally:
        controller.stop()
