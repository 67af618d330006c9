"""plancal init: a first plan from a few answers, as options or as real answers on stdin; the
file it writes validates, carries its comments, and keeps every title as typed."""

from __future__ import annotations

from pathlib import Path

from plancal.rules.plan import load
from tests.helpers.cli import plancal

OPTIONS = [
    "--municipality", "Söderhamn",
    "--from", "2024-01-01",
    "--to", "2025-12-31",
    "--weekly", "Lägesbild=Varje tisdag kl. 10.00",
    "--weekly", "Möte: planering=Varannan torsdag kl. 13",
    "--per-year", "Styrgrupp BRÅ=4",
    "--per-year", "Medborgardialog=Första tisdagen i oktober kl. 18.00",
    "--role", "Kommunpolis=kommunpolis@polisen.example",
    "--role", "yes=ja@soderhamn.example",
]  # fmt: skip


def test_init_from_options_writes_a_commented_plan_that_validates(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    run = plancal("init", str(path), *OPTIONS, "--lang", "sv")
    assert run.returncode == 0, run.stderr
    text = path.read_text(encoding="utf-8")
    assert "# Rollerna och deras adresser" in text and "docs/planformat.md" in text
    validated = plancal("validate", str(path), "--lang", "sv")
    assert validated.returncode == 0, validated.stderr
    plan = load(path)
    assert [a.title for a in plan.activities] == [
        "Lägesbild",
        "Möte: planering",
        "Styrgrupp BRÅ",
        "Medborgardialog",
    ]
    assert [r.name for r in plan.roles] == ["Kommunpolis", "yes"]  # "yes" stays text
    assert (plan.start.isoformat(), plan.end.isoformat()) == ("2024-01-01", "2025-12-31")
    agenda = plancal(
        "agenda", str(path), "--activity", "medborgardialog", "--format", "json"
    ).stdout.splitlines()
    assert len(agenda) == 2 and '"start": "2024-10-01T18:00:00+02:00"' in agenda[0]
    styrgrupp = plancal("agenda", str(path), "--activity", "styrgrupp-bra", "--format", "json")
    assert len(styrgrupp.stdout.splitlines()) == 8  # 4 a year, two years


def test_init_asks_in_swedish_and_takes_real_answers(tmp_path: Path) -> None:
    path = tmp_path / "ny.yaml"
    answers = "\n".join(
        [
            "Söderhamn",
            "2023-02-29",  # no such day: asked again, with why
            "2024-01-01",
            "",  # the default last day
            "Lägesbild",
            "Varje tisdg kl. 10",  # a typo: asked again
            "Varje tisdag kl. 10.00",
            "",  # no more weekly meetings
            "Styrgrupp",
            "4",
            "",
            "Kommunpolis",
            "kommunpolis",  # not an address: asked again
            "kommunpolis@polisen.example",
            "",
            "Stadshuset",
        ]
    )
    run = plancal("init", str(path), "--lang", "sv", stdin=answers + "\n")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Kommun: " in run.stdout and "Planens första dag" in run.stdout
    assert "2023 är inget skottår" in run.stderr
    assert "okänd veckodag 'tisdg'" in run.stderr and "menade du 'tisdag'" in run.stderr
    assert "skriv en e-postadress" in run.stderr
    assert plancal("validate", str(path)).returncode == 0
    plan = load(path)
    assert plan.end.isoformat() == "2025-12-31"
    assert [(a.id, a.title) for a in plan.activities] == [
        ("lagesbild", "Lägesbild"),
        ("styrgrupp", "Styrgrupp"),
    ]


def test_init_never_overwrites_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("# mine\n", encoding="utf-8")
    run = plancal("init", str(path), *OPTIONS, "--lang", "sv")
    assert run.returncode == 1 and "finns redan" in run.stderr
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_init_without_a_role_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    run = plancal(
        "init", str(path), "--municipality", "X", "--from", "2024-01-01", "--to", "2024-12-31",
        "--lang", "sv",
    )  # fmt: skip
    assert run.returncode == 2 and "minst en roll" in run.stderr and not path.exists()
