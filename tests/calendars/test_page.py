"""The public page as HTML: who publishes it, whom to contact, English where the plan is, after
the period, and never an internal activity. (In Chromium with axe-core: tests/web/test_a11y.py.)"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from plancal.calendars import page
from plancal.errors import PlanError
from plancal.i18n import Lang
from plancal.rules.compile import Schedule, compile_plan
from plancal.rules.plan import load, loads
from plancal.web.site import logo_of
from tests.helpers import FIXTURES, plan_text

DURING = date(2023, 3, 1)
AFTER = date(2024, 1, 1)


class Text(HTMLParser):
    """The page's text, and the part of it not marked as Swedish (what must be English)."""

    def __init__(self) -> None:
        super().__init__()
        self.all: list[str] = []
        self.unmarked: list[str] = []
        self.hrefs: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
        if tag == "img":
            self.images.append(a)
        if tag not in ("meta", "link", "img", "br", "path"):
            self._stack.append(a.get("lang") == "sv")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("meta", "link", "img", "br", "path") and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        self.all.append(data)
        if not any(self._stack[1:]):  # the <html lang> itself is the page's language
            self.unmarked.append(data)


def read(html: bytes) -> Text:
    parsed = Text()
    parsed.feed(html.decode("utf-8"))
    return parsed


def render(schedule: Schedule, lang: Lang, today: date, logo: page.Logo | None = None) -> Text:
    html = page.render(
        schedule, lang, "https://kalender.example/", "public.ics", "Kalender", today, logo
    )
    return read(html)


@pytest.mark.parametrize("today", [DURING, AFTER])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_internal_activities_never_appear(seed_schedule: Schedule, lang: Lang, today: date) -> None:
    text = " ".join(render(seed_schedule, lang, today).all)
    for a in seed_schedule.plan.activities:
        if not a.public:
            assert a.title not in text and (a.title_en or a.title) not in text
    for role in seed_schedule.plan.roles:
        if role.id != seed_schedule.plan.contact:
            assert role.email not in text  # the contact's is the one address on the page


def test_identity_contact_document_and_place_in_swedish(seed_schedule: Schedule) -> None:
    parsed = render(seed_schedule, "sv", DURING)
    text = " ".join(parsed.all)
    assert "Söderhamns kommun" in text
    assert "Frågor om planen: Trygghetssamordnare," in text
    assert "mailto:trygghetssamordnare@soderhamn.example" in parsed.hrefs
    assert "https://www.soderhamn.example/lokal-handlingsplan-2022-2023.pdf" in parsed.hrefs
    assert "Läs hela handlingsplanen" in text
    assert "Plats meddelas i god tid" in text
    assert "Planen gäller 2022-09-01 – 2023-12-31." in text
    assert "webcal://kalender.example/public.ics" in parsed.hrefs


def test_the_english_page_is_english_where_the_plan_is(seed_schedule: Schedule) -> None:
    parsed = render(seed_schedule, "en", DURING)
    english = " ".join(parsed.unmarked)
    for words in (
        "Söderhamn Municipality",
        "Local action plan 2022–2023 – Söderhamn",
        "Citizen dialogue",
        "Safety walk",
        "Current situation report published",
        "Place to be announced in good time",
        "At least 3 times a year at 18:00",
        "Questions about the plan: Safety coordinator,",
        "Read the whole plan",
    ):
        assert words in english, words
    # Swedish stands in only where the plan has no English, and says it is Swedish.
    for swedish in (
        "Medborgardialog",
        "Trygghetsvandring",
        "Plats meddelas",
        "Samverkan",
        "kommun",
    ):
        assert swedish not in english, swedish
    assert "Samverkan" in " ".join(parsed.all)  # an area has no English: marked lang="sv"


@pytest.mark.parametrize(
    ("lang", "ended"), [("sv", "Planen gällde 2022–2023."), ("en", "The plan ran 2022–2023.")]
)
def test_after_the_period_the_page_says_so(seed_schedule: Schedule, lang: Lang, ended: str) -> None:
    parsed = render(seed_schedule, lang, AFTER)
    text = " ".join(parsed.all)
    assert ended in text
    assert not any(h.startswith("webcal:") for h in parsed.hrefs)  # nothing more to subscribe to
    assert "Medborgardialog" in text or "Citizen dialogue" in text  # what the plan held
    during = " ".join(render(seed_schedule, lang, DURING).all)
    assert ended not in during


def test_the_logo_is_inlined_with_an_alternative_text(tmp_path: Path) -> None:
    logo = FIXTURES / "page" / "logo.svg"
    (tmp_path / "logo.svg").write_bytes(logo.read_bytes())
    text = plan_text(
        **{
            "name: Minimal plan\n": "name: Minimal plan\nmunicipality:\n  name: Exempelkommun\n  logo: logo.svg\n"
        }
    )
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    plan = load(tmp_path / "plan.yaml")
    found = logo_of(plan)
    assert found is not None and found.media_type == "image/svg+xml"
    assert found.data == logo.read_bytes()
    (image,) = render(compile_plan(plan), "sv", date(2023, 3, 1), found).images
    assert (image.get("src") or "").startswith("data:image/svg+xml;base64,")
    assert image.get("alt") == "Exempelkommuns logotyp"

    (tmp_path / "logo.svg").unlink()
    with pytest.raises(PlanError) as e:
        logo_of(plan)
    assert "kan inte läsa logotypen" in e.value.render("sv") and "logo.svg" in e.value.render("sv")


def test_the_contact_must_be_a_role_and_the_logo_beside_the_plan() -> None:
    with pytest.raises(PlanError) as e:
        loads(plan_text(**{"name: Minimal plan\n": "name: Minimal plan\ncontact: trygghet\n"}))
    assert "unknown role 'trygghet'" in e.value.render("en")
    with pytest.raises(PlanError) as e:
        loads(
            plan_text(
                **{
                    "name: Minimal plan\n": "name: Minimal plan\n"
                    "municipality: {name: X, logo: ../../etc/logo.png}\n"
                }
            )
        )
    assert "file name ending in .svg" in e.value.render("en")


def test_a_plan_without_identity_has_a_page_without_it() -> None:
    schedule = compile_plan(loads(plan_text()))
    parsed = render(schedule, "sv", date(2023, 3, 1))
    assert not parsed.images and not any(h.startswith("mailto:") for h in parsed.hrefs)
    assert "Kontakt" not in " ".join(parsed.all)
