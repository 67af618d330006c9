"""Words people read: the Swedish prompt, usage errors in Swedish, previews in plain words,
cancel and end, reasons, ids and weeks in the agenda, and dates that say what is wrong.

Every test runs plancal as a process, as a person does, with real input on stdin.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import icalendar
import pytest

from tests.helpers import FIXTURES, SEED
from tests.helpers.cli import plancal

CLICK_ENGLISH = ("Error:", "Invalid value for", "Usage:", "Try '", "for help", "Missing", "No such")


def seed_copy(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    shutil.copyfile(SEED, path)
    return path


# --- the prompt ------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["ja", "j", "JA", "y", "yes"])
def test_the_swedish_prompt_takes_ja(tmp_path: Path, answer: str) -> None:
    plan = seed_copy(tmp_path)
    args = ("cancel", str(plan), "avstamning-polis-ifo", "2023-03-13", "--lang", "sv")
    run = plancal(*args, stdin=f"{answer}\n")
    assert run.returncode == 0, run.stderr
    assert f"Vill du skriva ändringen till {plan}? [j/N]" in run.stderr
    assert "- 2023-03-13" in plan.read_text(encoding="utf-8")
    assert not any(word in run.stderr for word in CLICK_ENGLISH), run.stderr


@pytest.mark.parametrize("answer", ["nej", "n", "", "kanske\nnej"])
def test_the_swedish_prompt_takes_nej_and_asks_again_when_unsure(
    tmp_path: Path, answer: str
) -> None:
    plan = seed_copy(tmp_path)
    args = ("cancel", str(plan), "avstamning-polis-ifo", "2023-03-13", "--lang", "sv")
    run = plancal(*args, stdin=f"{answer}\n")
    assert run.returncode == 1 and "Inget skrevs." in run.stderr
    assert plan.read_bytes() == SEED.read_bytes()
    assert ("Svara j eller n." in run.stderr) == answer.startswith("kanske")
    assert "invalid input" not in run.stderr


# --- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "swedish"),
    [
        (["cancel", "{plan}"], "Argumentet 'ACTIVITY' saknas."),
        (["move", "{plan}", "lagesbild", "2023-03-07"], "Flaggan '--to' saknas."),
        (["agenda", "{plan}", "--kind", "möten"], "'möten' är inte något av"),
        (["agenda", "{plan}", "--bogus"], "Det finns ingen flagga '--bogus'."),
        (["agendaa", "{plan}"], "Det finns inget kommando 'agendaa'. Menade du 'agenda'"),
        (["agenda", "{plan}", "--from", "2023-06-31"], "'2023-06-31' är inget datum"),
        (["agenda", "{plan}", "--from"], "Flaggan '--from' behöver ett värde."),
    ],
)
def test_usage_errors_in_swedish_have_no_click_english(args: list[str], swedish: str) -> None:
    run = plancal(*(a.replace("{plan}", str(SEED)) for a in args), env={"PLANCAL_LANG": "sv"})
    assert run.returncode == 2, run.stderr
    assert swedish in run.stderr
    assert "fel: " in run.stderr and "Traceback" not in run.stderr
    assert not any(word in run.stderr for word in CLICK_ENGLISH), run.stderr


def test_usage_errors_in_english_keep_clicks_words() -> None:
    run = plancal("agenda", str(SEED), "--kind", "x", "--lang", "en")
    assert run.returncode == 2
    assert (
        "Usage: plancal agenda" in run.stderr and "Error: Invalid value for '--kind'" in run.stderr
    )


def test_the_lang_option_speaks_even_when_parsing_fails_before_it() -> None:
    run = plancal("agenda", str(SEED), "--bogus", "--lang", "sv", env={"PLANCAL_LANG": "en"})
    assert run.returncode == 2 and "Användning: plancal agenda [FLAGGOR] PLAN" in run.stderr
    assert "Skriv 'plancal agenda --help' för hjälp." in run.stderr


# --- dates that say what is wrong ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "lang", "why"),
    [
        (["agenda", "{plan}", "--from", "2023-06-31"], "sv", "juni har 30 dagar"),
        (["agenda", "{plan}", "--from", "2023-06-31"], "en", "June has 30 days"),
        (
            ["move", "{plan}", "lagesbild", "2023-03-07", "--to", "2023-02-29 13:00"],
            "sv",
            "2023 är inget skottår",
        ),
        (["add", "{plan}", "lagesbild", "2023-13-01"], "sv", "det finns ingen månad 13"),
    ],
)
def test_a_date_that_does_not_exist_says_why(args: list[str], lang: str, why: str) -> None:
    run = plancal(*(a.replace("{plan}", str(SEED)) for a in args), "--lang", lang)
    assert run.returncode == 2 and why in run.stderr, run.stderr


def test_a_leap_day_that_exists_is_a_date(tmp_path: Path) -> None:
    run = plancal("agenda", str(SEED), "--from", "2024-02-29", "--lang", "sv")
    assert run.returncode == 0, run.stderr


def test_a_date_in_the_plan_says_why(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    text = plan.read_text(encoding="utf-8").replace("  start: 2022-09-01", "  start: 2022-09-31")
    plan.write_text(text, encoding="utf-8")
    run = plancal("validate", str(plan), "--lang", "sv")
    assert run.returncode == 1
    assert "'2022-09-31' är inget datum: september har 30 dagar" in run.stderr


# --- previews in plain words -----------------------------------------------------------------


def test_the_preview_says_what_people_notice_and_keeps_uids_for_verbose(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    args = ("end", str(plan), "trygg-i-centrum", "--from", "2023-10-01", "--dry-run")
    run = plancal(*args, "--lang", "sv")
    assert run.returncode == 0, run.stderr
    assert "möten uppdateras i kalendrarna" in run.stdout
    assert "deltagarna får en avbokning" in run.stdout
    assert "SEQUENCE" not in run.stdout and "@soderhamn-2022-2023.plancal" not in run.stdout
    verbose = plancal(*args, "--lang", "sv", "--verbose")
    assert "SEQUENCE+1 trygg-i-centrum@soderhamn-2022-2023.plancal" in verbose.stdout
    english = plancal(*args, "--lang", "en")
    assert "change in the calendars" in english.stdout
    assert "the attendees get a cancellation" in english.stdout


# --- cancel one, end the series --------------------------------------------------------------


def test_cancel_is_one_occurrence_and_skip_is_the_same(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    one = ("{plan}", "avstamning-polis-ifo", "2023-03-13", "--yes", "--lang", "en")
    run = plancal("cancel", *(a.replace("{plan}", str(plan)) for a in one))
    assert run.returncode == 0, run.stderr
    cancelled = plan.read_text(encoding="utf-8")
    assert "cancelled:\n        - 2023-03-13" in cancelled and "until:" not in cancelled
    other = seed_copy(tmp_path / "..")
    run = plancal("skip", *(a.replace("{plan}", str(other)) for a in one))
    assert run.returncode == 0 and other.read_text(encoding="utf-8") == cancelled


def test_end_and_the_old_cancel_from_both_end_the_series(tmp_path: Path) -> None:
    ended = seed_copy(tmp_path)
    run = plancal("end", str(ended), "trygg-i-centrum", "--from", "2023-10-01", "--yes")
    assert run.returncode == 0, run.stderr
    old = tmp_path / "old.yaml"
    shutil.copyfile(SEED, old)
    run = plancal("cancel", str(old), "trygg-i-centrum", "--from", "2023-10-01", "--yes")
    assert run.returncode == 0, run.stderr
    assert "until: 2023-09-30" in ended.read_text(encoding="utf-8")
    assert old.read_text(encoding="utf-8") == ended.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trygg-i-centrum", "2023-10-03", "--from", "2023-10-01"], "not both"),
        (["trygg-i-centrum"], "which occurrence?"),
        (["trygg-i-centrum", "--from", "2023-10-01", "--reason", "x"], "--reason is for one"),
    ],
)
def test_cancel_refuses_what_could_mean_two_things(
    tmp_path: Path, args: list[str], message: str
) -> None:
    plan = seed_copy(tmp_path)
    run = plancal("cancel", str(plan), *args, "--yes", "--lang", "en")
    assert run.returncode == 2 and message in run.stderr
    assert plan.read_bytes() == SEED.read_bytes()


# --- reasons ---------------------------------------------------------------------------------


def test_a_reason_reaches_the_plan_the_agenda_and_the_feeds(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    why_cancel, why_move = "Polisen på utbildning", "Krockar med KF"
    run = plancal(
        "cancel", str(plan), "avstamning-polis-ifo", "2023-03-13", "--reason", why_cancel, "--yes"
    )
    assert run.returncode == 0, run.stderr
    run = plancal(
        "move", str(plan), "lagesbild", "2023-03-07", "--to", "2023-03-08 10:00",
        "--reason", why_move, "--yes",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = plan.read_text(encoding="utf-8")
    assert f"reasons:\n        2023-03-13: {why_cancel}" in text
    assert f"reasons:\n        2023-03-07: {why_move}" in text
    assert "&id" not in text  # no YAML anchors: each date is written as itself

    agenda = plancal(
        "agenda", str(plan), "--from", "2023-03-06", "--to", "2023-03-13", "--cancelled",
        "--lang", "sv",
    )  # fmt: skip
    assert f"flyttat från 2023-03-07 i planen: {why_move}" in agenda.stdout
    assert f"inställt i planen: {why_cancel}" in agenda.stdout

    out = tmp_path / "feeds"
    run = plancal("compile", str(plan), "--out", str(out), "--db", str(tmp_path / "s.db"))
    assert run.returncode == 0, run.stderr
    cal = icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())
    descriptions: dict[tuple[str, str], str] = {}
    for e in cal.walk("VEVENT"):
        rid = e.decoded("RECURRENCE-ID").strftime("%Y%m%dT%H%M%S") if "RECURRENCE-ID" in e else ""
        descriptions[(str(e["UID"]), rid)] = str(e.get("DESCRIPTION", ""))
    series = descriptions[("avstamning-polis-ifo@soderhamn-2022-2023.plancal", "")]
    assert f"Inställt 2023-03-13: {why_cancel}" in series
    moved = descriptions[("lagesbild@soderhamn-2022-2023.plancal", "20230307T100000")]
    assert why_move in moved


def test_a_reason_for_a_day_that_is_not_changed_is_an_error(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    run = plancal(
        "cancel", str(plan), "avstamning-polis-ifo", "2023-03-13", "--reason", "x", "--yes"
    )
    assert run.returncode == 0
    text = plan.read_text(encoding="utf-8").replace("- 2023-03-13", "- 2023-03-20")
    plan.write_text(text, encoding="utf-8")
    run = plancal("validate", str(plan), "--lang", "sv")
    assert run.returncode == 1
    assert "ett skäl för 2023-03-13, som varken är inställt eller flyttat" in run.stderr


def test_a_reason_goes_when_its_occurrence_comes_back(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    args = ("avstamning-polis-ifo",)
    run = plancal("cancel", str(plan), *args, "2023-03-13", "--reason", "x", "--yes")
    assert run.returncode == 0
    run = plancal("add", str(plan), *args, "2023-03-13", "--yes")
    assert run.returncode == 0, run.stderr
    assert "reasons" not in plan.read_text(encoding="utf-8")


# --- ids and weeks in the agenda -------------------------------------------------------------


def test_the_agenda_shows_weeks_and_ids() -> None:
    run = plancal(
        "agenda", str(SEED), "--from", "2023-04-11", "--to", "2023-04-11", "--ids", "--lang", "sv"
    )
    assert run.returncode == 0, run.stderr
    assert "Tisdag 2023-04-11, v. 15" in run.stdout
    assert "Beredningsgruppen (Söderhamns stadshus)  [beredningsgrupp]" in run.stdout
    assert "Rådslag – När behov uppstår utifrån lokala problembilder  [radslag]" in run.stdout
    plain = plancal("agenda", str(SEED), "--from", "2023-04-11", "--to", "2023-04-11")
    assert "[beredningsgrupp]" not in plain.stdout and "week 15" in plain.stdout


@pytest.mark.parametrize("typed", ["lägesbild", "Beredningsgruppen", "beredningsgrup"])
def test_an_unknown_activity_suggests_ids_from_ids_and_titles(tmp_path: Path, typed: str) -> None:
    plan = seed_copy(tmp_path)
    run = plancal("cancel", str(plan), typed, "2023-03-13", "--lang", "sv")
    assert run.returncode == 1
    assert "menade du '" in run.stderr and "plancal agenda PLAN --ids" in run.stderr
    expected = "lagesbild" if typed == "lägesbild" else "beredningsgrupp"
    assert f"'{expected}' (" in run.stderr


# --- a token link that works only here -------------------------------------------------------


def test_a_token_link_to_this_machine_warns(tmp_path: Path) -> None:
    env = {
        "PLANCAL_SERVER_TOKEN_KEY": "k" * 40,
        "PLANCAL_DB": str(tmp_path / "s.db"),
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
    }
    plan = seed_copy(tmp_path)  # the seed names no public address (no url:)
    run = plancal("token", "create", str(plan), "--feed", "plan", "--lang", "sv", env=env)
    assert run.returncode == 0, run.stderr
    assert "http://127.0.0.1:8080/t/" in run.stdout
    assert "bara fungerar på den här datorn" in run.stderr
    assert "--base-url" in run.stderr and "PLANCAL_SERVER_BASE_URL" in run.stderr
    public = plancal(
        "token", "create", str(plan), "--feed", "plan", "--base-url",
        "https://kalender.example.se/", "--lang", "sv", env=env,
    )  # fmt: skip
    assert public.returncode == 0 and "https://kalender.example.se/t/" in public.stdout
    assert "varning" not in public.stderr


# --- YAML structure in plain words -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "swedish"),
    [
        ("tab-indent", "tabbtecken på rad 12: använd mellanslag för indrag"),
        ("yaml-over-indented", "'when' ser ut att höra till '- id: veckomote' (rad 11)"),
        ("yaml-colon-in-value", "sätt värdet inom citattecken"),
    ],
)
def test_yaml_structure_errors_in_plain_swedish(fixture: str, swedish: str) -> None:
    run = plancal("validate", str(FIXTURES / "plans" / "bad" / f"{fixture}.yaml"), "--lang", "sv")
    assert run.returncode == 1 and swedish in run.stderr, run.stderr
    jargon = ("scalar", "mapping values", "token", "indicator", "block", "YAML-syntax")
    assert not any(word in run.stderr for word in jargon), run.stderr


@pytest.mark.parametrize(
    ("typo", "lang", "said"),
    [
        ("wensday", "sv", "menade du 'onsdag'?"),
        ("onsdg", "sv", "menade du 'onsdag'?"),
        ("onsdg", "en", "did you mean 'wednesday'?"),
    ],
)
def test_a_weekday_typo_lists_and_suggests_in_the_readers_language(
    tmp_path: Path, typo: str, lang: str, said: str
) -> None:
    plan = seed_copy(tmp_path)
    text = plan.read_text(encoding="utf-8")
    plan.write_text(
        text.replace("    weekday: onsdag ", f"    weekday: {typo} ", 1), encoding="utf-8"
    )
    run = plancal("validate", str(plan), "--lang", lang)
    assert run.returncode == 1 and said in run.stderr, run.stderr
    if lang == "sv":
        assert "en veckodag: måndag, tisdag, onsdag, torsdag, fredag, lördag, söndag" in run.stderr
        assert "friday, monday" not in run.stderr


# --- English output is English ---------------------------------------------------------------


def translated_seed(tmp_path: Path) -> Path:
    plan = seed_copy(tmp_path)
    text = plan.read_text(encoding="utf-8").replace(
        "    title: Beredningsgruppen\n",
        "    title: Beredningsgruppen\n    title_en: Preparatory group\n"
        "    place_en: Söderhamn town hall\n",
        1,
    )
    plan.write_text(text, encoding="utf-8")
    return plan


def test_english_output_uses_the_plans_translations_and_english_holidays(tmp_path: Path) -> None:
    plan = translated_seed(tmp_path)
    args = ("agenda", str(plan), "--from", "2023-04-11", "--to", "2023-04-11")
    english = plancal(*args, "--lang", "en")
    assert english.returncode == 0, english.stderr
    assert "Preparatory group (Söderhamn town hall)" in english.stdout
    assert "moved from 2023-04-10 (Easter Monday)" in english.stdout
    assert "moved from 2023-04-07 (Good Friday)" in english.stdout
    assert "Annandag" not in english.stdout and "Långfredagen" not in english.stdout
    # without a translation the title stays as written, whole (no half-translated titles)
    assert "Avstämning polis och IFO – ungdomar i kriminalitet" in english.stdout
    swedish = plancal(*args, "--lang", "sv")
    assert "Beredningsgruppen (Söderhamns stadshus)" in swedish.stdout
    assert "flyttat från 2023-04-10 (Annandag påsk)" in swedish.stdout
    preview = plancal(
        "cancel", str(plan), "beredningsgrupp", "2023-04-11", "--dry-run", "--lang", "en"
    )
    assert preview.stdout.startswith("Change: cancel beredningsgrupp on 2023-04-11")
    assert "Preparatory group (beredningsgrupp)" in preview.stdout


def test_english_holiday_names_reach_the_json_agenda(tmp_path: Path) -> None:
    run = plancal(
        "agenda", str(SEED), "--from", "2022-12-27", "--to", "2022-12-27", "--format", "json",
        "--lang", "en",
    )  # fmt: skip
    assert '"reason": "moved from 2022-12-26 (Second Day of Christmas)"' in run.stdout


def test_a_reason_for_a_pinned_meeting_is_kept(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    run = plancal(
        "move", str(plan), "bra-styrgrupp", "2022-10-24", "--to", "2022-10-25 13:00",
        "--reason", "Krock med KF", "--yes",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = plan.read_text(encoding="utf-8")
    assert "pinned: [2022-10-25 13:00, 2023-02-06 09:00]" in text
    assert "2022-10-25: Krock med KF" in text
    agenda = plancal("agenda", str(plan), "--from", "2022-10-25", "--to", "2022-10-25")
    assert "pinned to 2022-10-25 in the plan: Krock med KF" in agenda.stdout
