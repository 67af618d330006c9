"""``plancal token`` on a folder of plans: tokens across plans and a person's token, as the
coordinator types them; their mistakes answered in their language, never with a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.region import municipality, write_region
from tests.helpers.web import cli_env, plancal

P0, P1, P2 = (municipality(i)[0] for i in range(3))
OFFICER = "kommunpolis.omr00@polisen.example"
BASE = "https://kalender.example/"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_region(tmp_path / "plans", 3)
    return tmp_path / "plans"


def token(folder: Path, *args: str, lang: str = "en") -> tuple[int, str, str]:
    env = cli_env(folder.parent)
    db = str(folder.parent / "state.sqlite")
    run = plancal("token", *args, "--db", db, "--lang", lang, env=env)
    assert "Traceback" not in run.stderr
    return run.returncode, run.stdout, run.stderr


def test_a_persons_token_prints_their_feed_and_their_role_feeds_in_every_plan(
    folder: Path,
) -> None:
    code, out, err = token(
        folder, "create", str(folder), "--person", OFFICER.upper(), "--base-url", BASE
    )
    assert code == 0, err
    urls = re.findall(r"https://\S+", out)
    secret = urls[0].split("/")[-2]
    assert urls == [f"{BASE}t/{secret}/person.ics"] + [
        f"{BASE}{p}/t/{secret}/role-kommunpolis.ics" for p in (P0, P1, P2)
    ]
    token_id = re.findall(r"Token (\w+) created", out)[0]
    code, out, _ = token(folder, "list", str(folder))
    assert code == 0 and f"person:{OFFICER}" in out and token_id in out
    code, out, _ = token(folder, "revoke", str(folder), token_id)
    assert code == 0 and f"Token {token_id} revoked" in out


def test_a_token_across_plans_names_plan_and_feed(folder: Path) -> None:
    code, out, err = token(
        folder, "create", str(folder), "--feed", f"{P0}/deadlines", "--feed", f"{P2}/plan",
        "--base-url", BASE,
    )  # fmt: skip
    assert code == 0, err
    urls = re.findall(r"https://\S+", out)
    secret = urls[0].split("/")[-2]
    assert urls == [f"{BASE}{P0}/t/{secret}/deadlines.ics", f"{BASE}{P2}/t/{secret}/plan.ics"]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("--feed", "deadlines"), 2, "name the plan too: --feed PLAN-ID/deadlines"),
        (("--feed", "kommun999/plan"), 1, "no plan kommun999 in the folder"),
        (("--feed", f"{P0}/public"), 1, f"not a private feed of {P0}: public"),
        (("--person", "nobody@example.org"), 1, "no plan in the folder names nobody@example.org"),
        ((), 1, "a token must open at least one feed"),
    ],
)
def test_mistakes_are_clear_errors(
    folder: Path, args: tuple[str, ...], code: int, said: str
) -> None:
    got, out, err = token(folder, "create", str(folder), *args)
    assert got == code and said in err, err
    assert "https://" not in out and "http://" not in out


def test_mistakes_in_swedish(folder: Path) -> None:
    code, _, err = token(folder, "create", str(folder), "--person", "x@y.se", lang="sv")
    assert code == 1 and "ingen plan i mappen nämner x@y.se" in err


def test_a_broken_plan_in_the_folder_is_named_with_its_line(folder: Path) -> None:
    broken = folder / f"{P1}.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("organizer: kommunpolis", "organizer: x", 1),
        encoding="utf-8",
    )
    code, out, err = token(folder, "create", str(folder), "--person", OFFICER)
    assert code == 1 and f"{P1}.yaml:" in err and "http" not in out
