"""plancal import: the seed document as text, Word and PDF gives a draft that validates and has
the shipped example's meetings, counts and follow-up dates; every guess is marked; bad input is
one clear message and exit 1, never a traceback and never a half-written file."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from plancal.app.check import load_schedule
from plancal.rules.compile import Schedule
from plancal.rules.plan import load
from tests.helpers import timed
from tests.helpers.cli import plancal
from tests.helpers.documents import (
    SEED_TEXT,
    docx_bytes,
    encrypted_docx_bytes,
    parts,
    pdf_bytes,
    scanned_pdf_bytes,
    seed_parts,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "soderhamn-2022-2023.yaml"
EXAMPLE_PERIOD = ("--period", "2022-09-01", "2023-12-31")  # the example's own choice


def seed_document(folder: Path, kind: str) -> Path:
    path = folder / f"handlingsplan.{kind}"
    if kind == "txt":
        path.write_bytes(SEED_TEXT.read_bytes())
    elif kind == "docx":
        path.write_bytes(docx_bytes(seed_parts()))
    else:
        path.write_bytes(pdf_bytes(seed_parts()))
    return path


def imported(folder: Path, kind: str, *options: str) -> tuple[Path, str]:
    out = folder / f"utkast-{kind}.yaml"
    run = plancal("import", str(seed_document(folder, kind)), "--out", str(out), *options)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    return out, run.stdout


def counts_per_year(schedule: Schedule) -> list[tuple[int, ...]]:
    """Each activity's meetings per year, as a sorted list: titles and ids may differ."""
    per: Counter[tuple[str, int]] = Counter(
        (o.activity.id, o.start.year) for o in schedule.occurrences()
    )
    years = sorted({y for _a, y in per})
    ids = sorted({a for a, _y in per})
    return sorted(tuple(per[(a, y)] for y in years) for a in ids)


def weekly_starts(schedule: Schedule) -> set[str]:
    return {
        o.start.isoformat()
        for o in schedule.occurrences()
        if o.series.rule is not None and o.series.rule.freq == "WEEKLY"
    }


def fixed_due_dates(schedule: Schedule) -> list[date]:
    """The follow-up dates the document states: dates, months every year, the plan's end."""
    return sorted(
        d.due for d in schedule.deadlines if d.followup.due.kind in ("date", "yearly", "plan_end")
    )


@pytest.mark.parametrize("kind", ["txt", "docx", "pdf"])
def test_seed_draft_validates_and_has_the_examples_agenda(tmp_path: Path, kind: str) -> None:
    out, _ = imported(tmp_path, kind, *EXAMPLE_PERIOD)
    validated = plancal("validate", str(out), "--lang", "en")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "double booking" not in validated.stdout  # each guessed slot is its own
    draft, _warnings = load_schedule(out)
    example, _ = load_schedule(EXAMPLE)
    assert len(draft.plan.activities) == len(example.plan.activities) == 18
    mondays = weekly_starts(draft)
    assert mondays == weekly_starts(example)
    assert {s[11:16] for s in mondays} == {"14:00", "15:00"}
    assert counts_per_year(draft) == counts_per_year(example)
    assert sorted(c for c in counts_per_year(draft) if c[1] in (11, 5)) == [
        (2, 5),
        (4, 11),
        (4, 11),
        (4, 11),
        (4, 11),
    ]
    assert fixed_due_dates(draft) == fixed_due_dates(example)
    kinds = {d.followup.due.kind for d in draft.deadlines}
    assert {"after_each", "at_next", "at_each"} <= kinds
    areas = {a.id: a.areas for a in draft.plan.activities}
    assert sum(1 for a in areas.values() if len(a) == 2) == 3  # rows listed under two areas


def test_word_pdf_and_text_give_the_same_draft(tmp_path: Path) -> None:
    def body(path: Path) -> str:  # all but the comments that say where a row stood
        lines = path.read_text(encoding="utf-8").splitlines()
        return "\n".join(ln for ln in lines if not ln.startswith("  # Tabell"))

    drafts = [body(imported(tmp_path, kind)[0]) for kind in ("txt", "docx", "pdf")]
    assert drafts[0] == drafts[1] == drafts[2]


def test_period_from_the_title_and_every_guess_marked(tmp_path: Path) -> None:
    out, stdout = imported(tmp_path, "txt", "--lang", "sv")
    plan = load(out)
    assert (plan.start, plan.end) == (date(2022, 1, 1), date(2023, 12, 31))
    assert plan.id == "soderhamn-2022-2023"
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "start: 2022-01-01  # antagande" in text
    emails = [ln for ln in lines if ln.strip().startswith("email:")]
    assert len(emails) == len(plan.roles) == 17
    assert all(re.search(r"@[a-z.]+\.example  # antagande: fyll i adress$", ln) for ln in emails)
    for key in ("time", "duration", "weekday", "week"):
        line = next(ln for ln in lines if ln.startswith(f"  {key}:"))
        assert "# antagande" in line, line
    guessed = [ln for ln in lines if "14 dagar efter varje" in ln]
    assert guessed and all("# antagande" in ln for ln in guessed)
    # the document's own words stay
    titles = {a.title for a in plan.activities}
    assert "Avstämningar mellan polis och IFO gällande ungdomar i kriminalitet" in titles
    assert any(
        a.description == "Förebyggande enheten är sammankallande. Polisen är delaktig i Rådslaget"
        for a in plan.activities
    )
    assert "Bekräfta innan planen används:" in stdout
    assert "E-postadressen till 17 roll(er)" in stdout
    assert "Planens period 2022-01-01 – 2023-12-31" in stdout


def test_checklist_in_english(tmp_path: Path) -> None:
    _out, stdout = imported(tmp_path, "txt", "--lang", "en")
    assert "Confirm before you use the plan:" in stdout
    assert "The e-mail address of 17 role(s)" in stdout
    assert "Bekräfta" not in stdout


UNREAD_PLAN = """Lokal handlingsplan 2024

Samverkan

Aktivitet\tNär\tVem\tUppföljning
Lägesbild\tVarje tisdag kl. 10.00\tKommunpolis och trygghetssamordnare\t2024-06-10
Skolforum\tSom tidigare år, se bilaga 3\tRektor\tKontinuerligt
"""


def test_a_when_plancal_cannot_read_is_kept_verbatim(tmp_path: Path) -> None:
    document = tmp_path / "plan.txt"
    document.write_text(UNREAD_PLAN, encoding="utf-8")
    out = tmp_path / "plan.yaml"
    run = plancal("import", str(document), "--out", str(out), "--lang", "sv")
    assert run.returncode == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    assert '# När (ordagrant, kan inte läsas än): "Som tidigare år, se bilaga 3"' in text
    assert 'when: Behovsanpassat  # antagande: se "När" ovan' in text
    assert f"{document}:7: Skolforum: Som tidigare år, se bilaga 3" in run.stdout
    assert run.stdout.index("Skolforum: Som") > run.stdout.index("Bekräfta")
    assert plancal("validate", str(out)).returncode == 0
    plan = load(out)
    assert (plan.start, plan.end) == (date(2024, 1, 1), date(2024, 12, 31))


OUTSIDE_PLAN = """Handlingsplan 2024

Samverkan

Aktivitet\tNär\tVem\tUppföljning
Kameror\tUnder 2019\tPolis\t2021-05-01
Styrgrupp\tFörsta tisdagen i oktober kl. 18.00\tPolis\tVid varje styrgruppsmöte i BRÅ
Avstämning\tVarje måndag kl. 14-13\tIFO\tEfter varje insats
Lägesbild\t11 ggr/år kl. 25.00\tIFO\t
Dialog\tMinst 15 ggr/år\tIFO\tseptember varje år
Rapport\tVarje tisdag kl. 10\tIFO\t2030-01-01
"""


def test_what_the_plan_cannot_use_is_written_without_time_or_deadline(tmp_path: Path) -> None:
    document = tmp_path / "plan.txt"
    document.write_text(OUTSIDE_PLAN, encoding="utf-8")
    out = tmp_path / "plan.yaml"
    run = plancal("import", str(document), "--out", str(out), "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert plancal("validate", str(out)).returncode == 0
    plan = load(out)
    when = {a.title: a.when for a in plan.activities}
    assert when["Kameror"] == when["Avstämning"] == when["Dialog"] == "Behovsanpassat"
    assert when["Styrgrupp"] == "Första tisdagen i oktober kl. 18.00"
    assert when["Rapport"] == "Varje tisdag kl. 10"
    text = out.read_text(encoding="utf-8")
    assert "due: ingen  # antagande: dokumentet säger 2030-01-01, utanför planens period" in text
    assert f"{document}:6: Kameror: Under 2019" in run.stdout
    assert "is due 2030-01-01 in the document, outside the plan period" in run.stdout


def test_the_draft_round_trips_through_skip_and_move(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, "txt")
    schedule, _ = load_schedule(out)
    meetings = [o for o in schedule.occurrences() if o.activity.id == "beredningsgruppen"]
    first, second = timed(meetings[3].start).date(), timed(meetings[4].start).date()
    before = out.read_text(encoding="utf-8")
    db = ("--db", str(tmp_path / "state.sqlite"))
    run = plancal("skip", str(out), "beredningsgruppen", first.isoformat(), "--yes", *db)
    assert run.returncode == 0, run.stderr
    target = f"{second.isoformat()} 13:00"
    run = plancal(
        "move", str(out), "beredningsgruppen", second.isoformat(), "--to", target, "--yes", *db
    )
    assert run.returncode == 0, run.stderr
    after = out.read_text(encoding="utf-8")
    assert after.count("# antagande") == before.count("# antagande")
    edited, _ = load_schedule(out)
    starts = [timed(o.start) for o in edited.occurrences() if o.activity.id == "beredningsgruppen"]
    assert first not in {s.date() for s in starts}
    assert any(s.date() == second and s.hour == 13 for s in starts)
    assert plancal("validate", str(out)).returncode == 0


def test_an_existing_plan_is_never_overwritten_without_force(tmp_path: Path) -> None:
    document = seed_document(tmp_path, "txt")
    out = tmp_path / "plan.yaml"
    out.write_text("min plan\n", encoding="utf-8")
    run = plancal("import", str(document), "--out", str(out), "--lang", "sv")
    assert run.returncode == 1 and "finns redan" in run.stderr and "--force" in run.stderr
    assert out.read_text(encoding="utf-8") == "min plan\n"
    run = plancal("import", str(document), "--out", str(out), "--force")
    assert run.returncode == 0, run.stderr
    assert load(out).id == "soderhamn-2022-2023"


# --- bad input -------------------------------------------------------------------------------

TABLE_EXTRA = "Plan 2024\n\nSamverkan\n\nAktivitet\tNär\tVem\tUppföljning\tKostnad\nMöte\t11 ggr/år\tPolis\tIngen\t0 kr\n"
TABLE_MISSING = "Plan 2024\n\nSamverkan\n\nAktivitet\tNär\tVem\nMöte\t11 ggr/år\tPolis\n"
PROSE_ONLY = "Lokal handlingsplan 2024\n\nVi samverkar om tryggheten.\n"


def _bad_documents(folder: Path) -> dict[str, Path]:
    docx = docx_bytes(seed_parts())
    pdf = pdf_bytes(seed_parts()[:40])
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "whitespace.docx": docx_bytes([("paragraph", "   ")]),
        "prose.txt": PROSE_ONLY.encode(),
        "prose.pdf": pdf_bytes(list(parts(PROSE_ONLY))),
        "extra.txt": TABLE_EXTRA.encode(),
        "missing.txt": TABLE_MISSING.encode(),
        "missing.docx": docx_bytes(list(parts(TABLE_MISSING))),
        "scanned.pdf": scanned_pdf_bytes(),
        "locked.docx": encrypted_docx_bytes(docx, "hemligt"),
        "locked.pdf": pdf_bytes(seed_parts()[:40], password="hemligt"),
        "pdf-named.docx": pdf,
        "word-named.pdf": docx,
        "word-named.txt": docx,
        "text-named.pdf": SEED_TEXT.read_bytes(),
        "broken.docx": b"PK\x03\x04" + b"\x00" * 200,
        "plan.odt": b"PK\x03\x04",
    }
    paths = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    return paths


BAD = [
    ("empty.txt", "är tom: den har ingen text"),
    ("whitespace.docx", "är tom: den har ingen text"),
    ("prose.txt", "har ingen aktivitetstabell"),
    ("prose.pdf", "om tabellerna saknar linjer, importera Word-dokumentet i stället"),
    ("extra.txt", "kolumner som plancal inte läser: 'Kostnad'"),
    ("missing.txt", "den saknar Uppföljning"),
    ("missing.docx", "den saknar Uppföljning"),
    ("scanned.pdf", "skannad PDF: sidorna är bilder utan textlager"),
    ("locked.docx", "är skyddad med lösenord"),
    ("locked.pdf", "är skyddad med lösenord"),
    ("pdf-named.docx", "heter .docx men är en PDF"),
    ("word-named.pdf", "heter .pdf men är ett Word-dokument"),
    ("word-named.txt", "heter .txt men är ett Word-dokument"),
    ("text-named.pdf", "heter .pdf men är vanlig text"),
    ("broken.docx", "kan inte läsas som ett Word-dokument"),
    ("plan.odt", "kan inte importera '.odt'-filer"),
]


@pytest.fixture(scope="module")
def bad_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _bad_documents(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(("name", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_clear_message_and_exit_1(
    bad_documents: dict[str, Path], tmp_path: Path, name: str, message: str
) -> None:
    out = tmp_path / "plan.yaml"
    run = plancal("import", str(bad_documents[name]), "--out", str(out), "--lang", "sv")
    assert run.returncode == 1, run.stdout + run.stderr
    assert message in run.stderr
    assert "tips:" in run.stderr  # what to do instead
    assert "Traceback" not in run.stderr and not run.stdout
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_out_folder_that_does_not_exist_is_a_clear_message(tmp_path: Path) -> None:
    document = seed_document(tmp_path, "txt")
    out = tmp_path / "saknas" / "plan.yaml"
    run = plancal("import", str(document), "--out", str(out), "--lang", "sv")
    assert run.returncode == 1 and "kan inte skriva" in run.stderr
    assert "Traceback" not in run.stderr and not out.parent.exists()


def test_bad_input_in_english_names_the_line(tmp_path: Path) -> None:
    document = tmp_path / "extra.txt"
    document.write_text(TABLE_EXTRA, encoding="utf-8")
    run = plancal("import", str(document), "--out", str(tmp_path / "p.yaml"), "--lang", "en")
    assert run.returncode == 1
    assert f"{document}:5: error: table 1 has the columns" in run.stderr
    assert "it has columns plancal does not read: 'Kostnad'" in run.stderr
    assert "hint: give the table exactly the columns Aktivitet, När, Vem, Uppföljning" in run.stderr


def _import_text(tmp_path: Path, text: str, *options: str) -> tuple[Path, str]:
    document = tmp_path / "plan.txt"
    document.write_text(text, encoding="utf-8")
    out = tmp_path / "plan.yaml"
    run = plancal("import", str(document), "--out", str(out), *options)
    assert run.returncode == 0, run.stderr
    assert plancal("validate", str(out)).returncode == 0
    return out, run.stdout


def test_regression_empty_when_is_behovsanpassat_not_an_empty_when(tmp_path: Path) -> None:
    out, stdout = _import_text(
        tmp_path,
        "Plan 2024\n\nAktivitet\tNär\tVem\tUppföljning\nRådslag\t\tPolis\t\n",
        "--lang",
        "sv",
    )
    assert 'when: Behovsanpassat  # antagande: se "När" ovan' in out.read_text(encoding="utf-8")
    assert "plan.txt:4: Rådslag: (tomt)\n" in stdout


def test_regression_a_repeated_row_with_a_date_outside_the_period_is_set_aside_once(
    tmp_path: Path,
) -> None:
    row = "Lägesbild\tVarje måndag kl. 14.00\tKommunpolis\t2030-01-01\n"
    out, _ = _import_text(
        tmp_path, "Plan 2024\n\nA\n\nAktivitet\tNär\tVem\tUppföljning\n" + row * 3
    )
    plan = load(out)
    assert [f.due.kind for a in plan.activities for f in a.followups] == ["none"]


def test_period_and_id_options_are_checked(tmp_path: Path) -> None:
    document = seed_document(tmp_path, "txt")
    out = tmp_path / "plan.yaml"
    backwards = ("--period", "2023-12-31", "2022-01-01", "--lang", "sv")
    run = plancal("import", str(document), "--out", str(out), *backwards)
    assert run.returncode == 1 and "perioden slutar (2022-01-01) innan den börjar" in run.stderr
    run = plancal("import", str(document), "--out", str(out), "--id", "Söderhamn 2022")
    assert run.returncode == 2 and "--id" in run.stderr
    assert not out.exists()
    run = plancal("import", str(document), "--out", str(out), "--id", "min-plan")
    assert run.returncode == 0 and load(out).id == "min-plan"


WITHOUT_EXTRA = """
import sys
sys.modules["docx"] = None  # as on an installation without plancal[import]
sys.modules["pdfplumber"] = None
from plancal.cli import main
main({args!r})
"""


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_without_the_import_extra_word_and_pdf_say_what_to_install(
    tmp_path: Path, kind: str
) -> None:
    import subprocess
    import sys

    document = seed_document(tmp_path, kind)
    args = ["import", str(document), "--out", str(tmp_path / "p.yaml"), "--lang", "sv"]
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA.format(args=args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert "kräver plancals import-tillägg" in run.stderr
    assert "pip install 'plancal[import]'" in run.stderr and "Traceback" not in run.stderr
