"""What a push reports, without a target: Exchange Online's sending limits in the dry run."""

from __future__ import annotations

from plancal.calendars.push import PushResult, summary_line
from plancal.calendars.sync import Change


def creates(n: int, people: int) -> list[Change]:
    return [
        Change(
            "create-meeting",
            f"m{i}@plan.plancal",
            f"m{i}",
            f"Möte {i}",
            invite=frozenset(f"p{j}@kommun.example" for j in range(people)),
        )
        for i in range(n)
    ]


def test_a_dry_run_within_the_limits_says_nothing_of_them() -> None:
    line = summary_line(PushResult(creates(30, 10), dry_run=True), "en")
    assert "Exchange Online" not in line


def test_a_dry_run_past_the_limits_states_both_in_the_users_language() -> None:
    result = PushResult(creates(41, 250), dry_run=True)  # 41 messages, 10,250 recipients
    en, sv = summary_line(result, "en"), summary_line(result, "sv")
    assert "10 000 recipients a day" in en and "(10250)" in en
    assert "30 messages a minute: these 41 messages take at least 2 minutes" in en
    assert "10 000 mottagare per dygn" in sv and "30 meddelanden i minuten" in sv
    assert "recipients" not in sv


def test_a_real_push_does_not_repeat_the_limits() -> None:
    assert "Exchange Online" not in summary_line(PushResult(creates(41, 250)), "en")
