"""Synthetic regions: N plans the size of the seed, with the people real regions share.

Each municipality's plan is the seed with its own id, name and addresses. Some people serve
several municipalities, as in a Swedish police region: the community police officer and the
local police area's chief serve a police area of ``AREA`` municipalities, the regional drug
coordinator a region of ``REGION`` municipalities. The weekly Monday meetings move to another
weekday per municipality (a police officer cannot sit in eleven Monday meetings at 14.00); the
meetings held N times a year keep the seed's months and times, so plans of one police area
still double-book their shared officer (dozens of times between two plans): a region in need
of `plancal validate PLANS_DIR`, which is what the cross-plan check is for.

The tests (30 plans) and ``bench/bench_region.py`` (up to 290) use the same plans.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import SEED

AREA = 11  # municipalities per local police area (Söderhamn's has eleven)
REGION = 30  # municipalities per regional coordinator
WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag")


def municipality(i: int) -> tuple[str, str]:
    """The plan id and name of the i-th synthetic municipality (0-based)."""
    return f"kommun{i:03d}-2022-2023", f"Kommun {i:03d}"


def plan_text(i: int, seed: str | None = None) -> str:
    text = seed if seed is not None else SEED.read_text(encoding="utf-8")
    plan_id, name = municipality(i)
    slug = f"kommun{i:03d}"
    area, region = i // AREA, i // REGION
    for old, new in (
        ("id: soderhamn-2022-2023", f"id: {plan_id}"),
        ("kommunpolis@polisen.example", f"kommunpolis.omr{area:02d}@polisen.example"),
        ("lpo.halsingland@polisen.example", f"lpo.omr{area:02d}@polisen.example"),
        ("drogsamordnare@soderhamn.example", f"drogsamordnare.region{region:02d}@region.example"),
        ("@soderhamn.example", f"@{slug}.example"),
        ("soderhamn.example", f"{slug}.example"),
        ("Söderhamns", f"{name}s"),
        ("Söderhamn", name),
    ):
        text = text.replace(old, new)
    weekday = WEEKDAYS_SV[i % len(WEEKDAYS_SV)]
    return text.replace("when: Varje måndag", f"when: Varje {weekday}")


def write_region(folder: Path, count: int, start: int = 0) -> list[Path]:
    """Write ``count`` plan files into ``folder`` (created); returns their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_text(encoding="utf-8")
    paths = []
    for i in range(start, start + count):
        path = folder / f"{municipality(i)[0]}.yaml"
        path.write_text(plan_text(i, seed), encoding="utf-8")
        paths.append(path)
    return paths
