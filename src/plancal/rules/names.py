"""What a person meant by a name they typed: an activity id, from its id or its title."""

from __future__ import annotations

import difflib

from plancal.i18n import Message, Text, msg
from plancal.rules.model import Plan

IDS_TIP = Text(
    "`plancal agenda PLAN --ids` shows every activity's id",
    "`plancal agenda PLAN --ids` visar varje aktivitets id",
)


def close_activities(plan: Plan, typed: str, n: int = 3) -> list[str]:
    """Activity ids close to what was typed, whether it looks like an id or a title."""
    by_key: dict[str, str] = {}
    for a in plan.activities:
        by_key.setdefault(a.id.lower(), a.id)
        by_key.setdefault(a.title.lower(), a.id)
    found = difflib.get_close_matches(typed.lower(), list(by_key), n=n * 2, cutoff=0.6)
    found += [k for k in by_key if typed.lower() in k and len(typed) >= 4]
    return list(dict.fromkeys(by_key[k] for k in found))[:n]


def activity_hint(plan: Plan, typed: str) -> Message:
    """ "did you mean 'lagesbild' (Lokal gemensam lägesbild)?", else how to see the ids."""
    close = close_activities(plan, typed)
    if not close:
        return msg(IDS_TIP)
    named = " / ".join(f"{aid!r} ({plan.activity_by_id[aid].title})" for aid in close)
    return msg(
        Text("did you mean {named}? ({tip})", "menade du {named}? ({tip})"),
        named=named,
        tip=IDS_TIP,
    )
