"""The promise of ``plancal import``: whatever the tables say, the draft validates (a guess is
better than an error) or the document is refused with a message — never a plan file that does
not load, never a traceback. Tables are drawn from the words real plans use, the seed's slips
and junk, with titles that YAML would misread if they were written carelessly."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plancal.app.check import check
from plancal.app.importplan import import_document
from plancal.errors import UserError
from plancal.importing.draft import Options
from plancal.rules.plan import load

TITLES = [
    "Lägesbild",
    "Avstämning polis och IFO",
    "Avstämning Polis och IFO",  # the same row under another area
    'Arbetsgrupp "Trygg i centrum"',
    "Möte: planering",
    "yes",
    "- punkt",
    "# inte en kommentar",
    "2023",
    "Rådslag & uppföljning: 100 %",
    "Skер i styrgruppen",
]
WHEN = [
    "Varje måndag kl. 14.00",
    "Varannan tisdag kl. 9-10",
    "11 ggr/år",
    "Minst 3 ggr/år",
    "1 ggr/månad",
    "Behovsanpassat",
    "När behov uppstår",
    "Under 2019",
    "Under 2024",
    "Första tisdagen i oktober kl. 18.00",
    "Varje måndag kl. 14-13",
    "Minst 15 ggr/år",
    "Som tidigare år",
    "",
    "RRULE:FREQ=DAILY",
]
WHO = [
    "Kommunpolis och utsedd socialsekreterare IFO",
    "Polis och IFO",
    "Förebyggande enheten är sammankallande. Polisen är delaktig",
    "Initieras av den som önskar",
    "Drogsamordnare, Föreningsrådet",
    "",
    "Kommun- och polisrepresentanter",
    "Lokalt BRÅ, styrgrupp",
]
FOLLOWUP = [
    "Genom en kort skriftlig rapport till styrgruppen för BRÅ 2024-02-05",
    "Muntlig utvärdering under september månad varje år",
    "Rapport sammanställs efter varje insats. Föredras sedan för styrgruppen för BRÅ",
    "Vid varje styrgruppsmöte i BRÅ",
    "Kontinuerligt",
    "1 ggr/år",
    "2030-01-01",
    "2019-06-01",
    "",
    "31 februari 2024",
]
AREAS = ["Ungdomskriminalitet", "Narkotika", "Samverkan"]

row = st.tuples(
    st.sampled_from(TITLES), st.sampled_from(WHEN), st.sampled_from(WHO), st.sampled_from(FOLLOWUP)
)
tables = st.lists(
    st.tuples(st.sampled_from(AREAS), st.lists(row, min_size=1, max_size=6)),
    min_size=1,
    max_size=3,
)


def document(title: str, parts: list[tuple[str, list[tuple[str, str, str, str]]]]) -> str:
    lines = [title, "", "Söderhamns kommun", ""]
    for area, rows in parts:
        lines += [area, "", "Aktivitet\tNär\tVem\tUppföljning"]
        lines += ["\t".join(r) for r in rows]
        lines.append("")
    return "\n".join(lines)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=st.sampled_from(["Lokal handlingsplan 2024", "Handlingsplan 2023 – 2024", "Plan"]),
    parts=tables,
)
def test_any_table_gives_a_draft_that_validates(
    tmp_path: Path, title: str, parts: list[tuple[str, list[tuple[str, str, str, str]]]]
) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(document(title, parts), encoding="utf-8")
    out = tmp_path / "plan.yaml"
    out.unlink(missing_ok=True)
    try:
        imported = import_document(source, out, Options(today=None), force=True)
    except UserError as e:  # only for a document plancal refuses, never for a guess
        raise AssertionError(e.render("en")) from e
    checked = check(out)
    assert not checked.errors, [p.render("en") for p in checked.errors]
    plan = load(out)
    rows = {(r[0], r[1]) for _area, rows in parts for r in rows}
    assert len(plan.activities) <= len(rows)  # a row under two areas is one activity
    assert {u.when for u in imported.draft.unread} <= set(WHEN)
