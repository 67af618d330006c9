"""What the *När* words leave open, the draft guesses, marks on its line and asks in the
checklist: every form of the cadence language (``tests/fixtures/cadence/phrases.yaml``) as one
row of a document, imported. The expected guesses come from the fixture's own description of
each phrase, and the months a draft names are compared with the meetings the plan compiles to."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from plancal.app.check import check
from plancal.app.importplan import Imported, import_document
from plancal.i18n import MONTHS
from plancal.importing.draft import Options
from plancal.rules.plan import load
from tests.helpers.cli import plancal

PHRASES = Path(__file__).resolve().parents[1] / "fixtures" / "cadence" / "phrases.yaml"
FORMS: list[dict[str, object]] = yaml.safe_load(PHRASES.read_text(encoding="utf-8"))
PERIOD = (date(2022, 1, 1), date(2024, 12, 31))  # every year the forms name
YEAR_2023 = [date(2023, 1, 1), date(2023, 12, 31)]
ASKED = {  # the checklist's words for each guess, English and Swedish
    "weekday": ("weekday", "veckodag"),
    "week": ("week of the month", "vecka i månaden"),
    "months": ("months", "månader"),
    "time": ("time", "tid"),
    "duration": ("length", "längd"),
}


def title(n: int) -> str:
    return f"Form {n:03d}"


def expected(form: dict[str, object]) -> set[str]:
    """What the draft must guess, read from the fixture alone."""
    kind = next(k for k in ("weekly", "monthly", "per_year", "date", "period") if k in form)
    spec = form[kind]
    assert isinstance(spec, dict)
    if kind == "period":
        return set()  # a season is listed without a time: nothing to guess
    out = set()
    if kind == "weekly" and not spec.get("days"):
        out.add("weekday")
    if kind == "per_year" or (kind == "monthly" and "weekday" not in spec):
        out |= {"weekday", "week"}
    if kind == "per_year":
        out.add("months")
    if "time" not in spec:
        out.add("time")
    if "end" not in spec:
        out.add("duration")
    return out


def document() -> str:
    lines = ["Lokal handlingsplan 2022–2024", "", "Söderhamns kommun", "", "Samverkan", ""]
    lines.append("Aktivitet\tNär\tVem\tUppföljning")
    lines += [f"{title(n)}\t{f['when']}\tTrygghetssamordnare\t" for n, f in enumerate(FORMS)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    folder = tmp_path_factory.mktemp("forms")
    source = folder / "plan.txt"
    source.write_text(document(), encoding="utf-8")
    return import_document(source, folder / "plan.yaml", Options(period=PERIOD))


def blocks(text: str) -> dict[str, list[str]]:
    """Each activity's lines, by its title."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("  - id: "):
            current = [line]
        elif line.startswith("    ") and current:
            current.append(line)
            if m := re.match(r"    title: (Form \d{3})$", line):
                out[m[1]] = current
    return out


def asked_in(item: str, lang: int) -> set[str]:
    """The guesses a checklist question names ("… does not give the weekday or time; …")."""
    m = re.search(r"does not give the (.+?);" if lang == 0 else r"anger inte (.+?);", item)
    assert m, item
    words = re.split(r", | or | eller ", m[1])
    return {key for key, names in ASKED.items() if names[lang] in words}


def test_the_draft_of_every_form_validates_and_reads_every_when(
    imported: Imported,
) -> None:
    checked = check(imported.out)
    assert not checked.errors, [p.render("en") for p in checked.errors]
    assert imported.draft.unread == ()
    assert len(load(imported.out).activities) == len(FORMS)


@pytest.mark.parametrize("n", range(len(FORMS)), ids=[str(f["when"]) for f in FORMS])
def test_each_guess_is_marked_and_asked(imported: Imported, n: int) -> None:
    form = FORMS[n]
    want = expected(form)
    lines = blocks(imported.draft.text)[title(n)]
    marked = {
        key
        for key, field in (
            ("weekday", "weekday"),
            ("week", "week"),
            ("time", "time"),
            ("duration", "duration"),
        )
        if any(ln.startswith(f"    {field}: ") and "# antagande" in ln for ln in lines)
    }
    when = next(ln for ln in lines if ln.startswith("    when: "))
    if "# antagande: " in when:
        marked.add("months")
    # a value the draft writes is never unmarked: the words gave it or it is a guess
    for field in ("weekday", "week", "time", "duration"):
        assert all("# antagande" in ln for ln in lines if ln.startswith(f"    {field}: ")), lines
    assert marked == want, lines
    questions = [
        (m.render("en"), m.render("sv"))
        for m in imported.draft.checklist
        if f"'{title(n)}'" in m.render("en")
    ]
    if not want:
        assert questions == []
        return
    assert len(questions) == 1, questions
    en, sv = questions[0]
    assert asked_in(en, 0) == want and asked_in(sv, 1) == want, questions


def test_the_months_named_are_the_months_it_meets(imported: Imported) -> None:
    """N a year: the months on the when line are those of the compiled meetings in 2023."""
    schedule = check(imported.out).schedule
    assert schedule is not None
    months: dict[str, set[int]] = {}
    for o in schedule.occurrences():
        if o.start.year == 2023:
            months.setdefault(o.activity.title, set()).add(o.start.month)
    names = MONTHS["sv"]
    seen = 0
    for n, form in enumerate(FORMS):
        spec = form.get("per_year")
        if not isinstance(spec, dict) or spec.get("within") not in (
            None,
            ["2023-01-01", "2023-12-31"],
        ):
            continue
        when = next(ln for ln in blocks(imported.draft.text)[title(n)] if "when:" in ln)
        named = when.split("# antagande: ", 1)[1].removesuffix(" (ett helt år)")
        words = set(re.split(r", | och ", named.removeprefix("alla månader utom ")))
        said = {names.index(w) + 1 for w in words}
        if named.startswith("alla månader utom"):
            said = set(range(1, 13)) - said
        assert months[title(n)] == said, (form["when"], named)
        seen += 1
    assert seen > 30


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("sv", "Dokumentet anger inte veckodag, tid eller längd; utkastet säger tisdag, kl. 09.00"),
        (
            "en",
            "The document does not give the weekday, time or length; the draft says Tuesday, at 09.00",
        ),
    ],
)
def test_regression_every_week_without_a_weekday_asks_which_day(
    tmp_path: Path, lang: str, words: str
) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(
        "Lokal handlingsplan 2024\n\nSamverkan\n\nAktivitet\tNär\tVem\tUppföljning\n"
        "Lägesbild\tvarannan vecka\tKommunpolis\tKontinuerligt\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan.yaml"
    run = plancal("import", str(source), "--out", str(out), "--lang", lang)
    assert run.returncode == 0, run.stderr
    assert words in run.stdout
    text = out.read_text(encoding="utf-8")
    assert "    weekday: tisdag  # antagande: ingen veckodag" in text
    assert '    time: "09.00"  # antagande: ingen tid' in text
    assert plancal("validate", str(out)).returncode == 0
