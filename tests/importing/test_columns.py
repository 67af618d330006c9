"""The pure readings of the table cells: *Vem* as roles, *Uppföljning* as follow-ups, and a
cell's text mended, on the seed's own phrases and a few other plans would write."""

from __future__ import annotations

from datetime import date

import pytest

from plancal.importing import followups
from plancal.importing.document import clean
from plancal.importing.readers import read_text
from plancal.importing.roles import convener, named


@pytest.mark.parametrize(
    ("who", "ids"),
    [
        ("Kommunpolis och utsedd socialsekreterare IFO", ["kommunpolis", "socialsekreterare-ifo"]),
        ("Kommunpolis och Fältare", ["kommunpolis", "faltare"]),
        (
            "Socialsekreterare för Barn och unga, kommunjurist samt kommunpolis",
            ["socialsekreterare-barn-unga", "kommunjurist", "kommunpolis"],
        ),
        ("Polis och IFO", ["polisen", "ifo"]),
        ("IFO och polis", ["ifo", "polisen"]),
        ("Kommun- och polisrepresentanter", ["representanter"]),
        ("Trygghetssamordnare och Kommunpolis", ["trygghetssamordnare", "kommunpolis"]),
        (
            "Polisen ansvarar för tillfälliga trygghetskameror. Kommunen (sektor "
            "Samhällsservice) ansvarar för den fasta kameraövervakningen.",
            ["polisen", "samhallsservice"],
        ),
        ("Initieras av den person/organisation som önskar att en trygghetsvandring genomförs", []),
        (
            "Drogsamordnare, Föreningsrådet och Fritidsgården",
            ["drogsamordnare", "foreningsradet", "fritidsgarden"],
        ),
        ("Styrgruppen för Lokalt BRÅ", ["bra-styrgrupp"]),
    ],
)
def test_who_names_one_role_per_function(who: str, ids: list[str]) -> None:
    assert [r.id for r in named(who)] == ids


def test_the_convener_is_the_one_the_sentence_names() -> None:
    who = "Förebyggande enheten är sammankallande. Polisen är delaktig i Rådslaget"
    assert [r.id for r in convener(who)] == ["forebyggande-enheten"]
    assert [r.name for r in named(who)] == ["Förebyggande enheten", "Polisen"]


@pytest.mark.parametrize(
    ("cell", "dues"),
    [
        (
            "Genom en kort skriftlig rapport till styrgruppen för BRÅ 2023-02-06",
            [("date", date(2023, 2, 6), True)],
        ),
        ("Muntlig utvärdering under september månad varje år", [("month", 9, False)]),
        (
            "Rapport sammanställs efter varje insats. Föredras sedan för styrgruppen för BRÅ",
            [("after", 14, False), ("next", None, True)],
        ),
        ("Vid varje styrgruppsmöte i BRÅ", [("each", None, True)]),
        ("Efter genomförda medborgardialoger", [("after", 14, False)]),
        ("1 ggr/år", [("month", 12, False)]),
        ("Redovisas den 6 februari 2023", [("date", date(2023, 2, 6), False)]),
        ("Kontinuerligt", [("none", None, False)]),
        ("Reflektion vid sittande bord", [("none", None, False)]),
    ],
)
def test_followup_cells(cell: str, dues: list[tuple[str, object, bool]]) -> None:
    found = followups.read(cell)
    got = [(f.due.kind, f.due.day or f.due.month or f.due.days, f.to_steering_group) for f in found]
    assert got == dues
    assert followups.read("") == []


def test_regression_mixed_script_word_is_latin() -> None:
    # The seed's "Skер i projektets styrgrupp": Cyrillic е and р in a Swedish word.
    assert clean("Sk\u0435\u0440 i projektets styrgrupp") == "Sker i projektets styrgrupp"
    assert clean("Москва  och   Stockholm") == "Москва och Stockholm"  # whole words stay


def test_text_tables_are_tab_or_pipe_separated_with_their_lines() -> None:
    text = "Titel\n\nAktivitet\tNär\nMöte\t11 ggr/år\n\n| Aktivitet | När |\n|---|---|\n| A | B |\n"
    doc = read_text("plan.txt", text.encode())
    tables = doc.tables
    assert [t.line for t in tables] == [3, 6]
    assert tables[1].row_lines == (6, 8)
    assert tables[0].rows == (("Aktivitet", "När"), ("Möte", "11 ggr/år"))
    assert tables[1].rows == (("Aktivitet", "När"), ("A", "B"))


PROSE_DATES = """Local action plan 2024

Prioriterade områden:
- Trygghet

Trygghet

Activity\tWhen\tWho\tFollow-up
Walk\tevery Monday 14:00\tKommunpolis\tKontinuerligt

Uppföljning och utvärdering

Återrapportering till kommunstyrelsen sker 2024-06-14.
Utvärdering av planen sker efter 2024-12-31.

Ansvariga för att uppföljning och utvärdering sker:
Söderhamns kommun: Trygghetssamordnare
"""


def test_report_dates_and_the_evaluation_become_the_plans_follow_ups() -> None:
    from plancal.importing.draft import Options, compose
    from plancal.importing.layout import layout
    from plancal.rules.plan import loads

    found = layout(read_text("plan.txt", PROSE_DATES.encode()))
    assert [(r.area, r.activity, r.line) for r in found.rows] == [("Trygghet", "Walk", 9)]
    plan = loads(compose(found, Options()).text, "plan.yaml")
    dues = {f.what: (f.due.kind, f.due.on, f.responsible) for f in plan.followups}
    assert dues == {
        "Återrapportering till kommunstyrelsen sker 2024-06-14": (
            "date",
            date(2024, 6, 14),
            ("trygghetssamordnare",),
        ),
        "Utvärdering av planen sker efter 2024-12-31": ("plan_end", None, ("trygghetssamordnare",)),
    }
    assert (plan.start, plan.end) == (date(2024, 1, 1), date(2024, 12, 31))
