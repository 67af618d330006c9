"""What the SMTP server says no to: busy, a refused address, no server at all."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from plancal.calendars.targets.mail.target import MailError
from tests.helpers.imip import Mail, invitation


def test_busy_server_keeps_the_rest_for_the_next_push(mail: Mail, seed_schedule: Any) -> None:
    mail.server.mailbox.busy = True
    with pytest.raises(MailError, match="451") as caught:
        mail.push(seed_schedule)
    assert "väntar" in caught.value.render("sv")
    assert mail.received == []
    mail.server.mailbox.busy = False
    again = mail.push(seed_schedule)
    assert again.changes == []  # the store already knows what was posted; only delivery was left
    assert again.interrupted
    ids = mail.server.mailbox.ids()
    assert len(ids) == len(again.target.delivery.sent) and max(ids.values()) == 1
    assert mail.push(seed_schedule).target.delivery.sent == []


def test_a_refused_address_does_not_stop_the_others(mail: Mail, seed_schedule: Any) -> None:
    bad = "kommunjurist@soderhamn.example"
    mail.server.mailbox.refuse = {bad}
    with pytest.raises(MailError) as caught:
        mail.push(seed_schedule)
    assert bad in caught.value.render("en") and "for good" in caught.value.render("en")
    to = Counter(invitation(r).to for r in mail.received)
    assert bad not in to and len(to) > 5
    before = len(mail.received)
    again = mail.push(seed_schedule)  # refused for good: not retried, not reported again
    assert again.changes == [] and len(mail.received) == before


def test_no_server_is_a_clear_error_and_nothing_is_lost(mail: Mail, seed_schedule: Any) -> None:
    port = mail.server.port
    mail.server.port = 1  # nothing listens there
    with pytest.raises(MailError, match=r"cannot deliver to 127\.0\.0\.1:1"):
        mail.push(seed_schedule)
    mail.server.port = port
    result = mail.push(seed_schedule)
    assert len(result.target.delivery.sent) == len(mail.received) > 0
