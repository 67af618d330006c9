"""The region's index page: every municipality served, each a link to its plan's page.

Swedish at ``/``, English at ``/en/``, as every plan's page; a plain list, no script, the
style of the plan pages (WCAG 2.1 AA, checked with axe-core in the tests). Built from the plans'
names alone, so every host serving the same plans writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from plancal.i18n import Lang, Text

T: dict[str, Text] = {
    "title": Text("Local action plans", "Lokala handlingsplaner"),
    "lead": Text(
        "The municipalities' and the police's joint plans for safety and crime prevention. "
        "Choose a municipality to see its activities and subscribe to its calendar.",
        "Kommunernas och polisens gemensamma planer för trygghet och brottsförebyggande "
        "arbete. Välj en kommun för att se dess aktiviteter och prenumerera på dess kalender.",
    ),
    "list": Text("Municipalities", "Kommuner"),
    "count": Text("{n} plans.", "{n} planer."),
    "none": Text("No plan is published yet.", "Ingen plan är publicerad ännu."),
    "other": Text("På svenska", "In English"),
}

STYLE = """body { font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1b1b1b; background: #fafafa; }
main, header { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
main { padding-bottom: 2rem; }
header { padding-top: 1rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0.5rem 0 0.75rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ddd; }
ul.plans { list-style: none; padding: 0; }
ul.plans li { padding: 0.5rem 0; border-bottom: 1px solid #e6e6e6; }
ul.plans a { font-weight: 600; }
.note { color: #555; font-size: 0.9rem; }
a { color: #005aa0; }"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One plan on the index: its id (the folder of its URLs) and its names per language."""

    plan_id: str
    municipality: dict[Lang, str]
    plan: dict[Lang, str]


SWEDISH = str.maketrans("åäö", "{|}")  # after z, in that order; code points put ä before å


def _swedish_order(text: str) -> str:
    return text.casefold().translate(SWEDISH)


def render(entries: Iterable[Entry], lang: Lang) -> bytes:
    """The index in one language; ``lang`` "sv" is served at ``/``, "en" at ``/en/``."""
    other: Lang = "en" if lang == "sv" else "sv"
    up = "" if lang == "sv" else "../"
    ordered = sorted(entries, key=lambda e: (_swedish_order(e.municipality[lang]), e.plan_id))
    items = [
        f'<li><a href="{up}{escape(e.plan_id)}/{"en/" if lang == "en" else ""}">'
        f"{escape(e.municipality[lang])}</a><br>"
        f'<span class="note">{escape(e.plan[lang])}</span></li>'
        for e in ordered
    ]
    listing = (
        '<ul class="plans">\n' + "\n".join(items) + "\n</ul>\n"
        f'<p class="note">{escape(T["count"].render(lang, n=len(items)))}</p>'
        if items
        else f"<p>{escape(T['none'].render(lang))}</p>"
    )
    other_href = "en/" if lang == "sv" else "../"
    other_name = escape(T["other"].render(lang))
    title = escape(T["title"].render(lang))
    html = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="alternate" hreflang="{other}" href="{other_href}">
<style>
{STYLE}
</style>
</head>
<body>
<header>
<nav aria-label="{other_name}"><p class="note"><a href="{other_href}" hreflang="{other}" lang="{other}">{other_name}</a></p></nav>
</header>
<main>
<h1>{title}</h1>
<p>{escape(T["lead"].render(lang))}</p>
<section aria-labelledby="plans">
<h2 id="plans">{escape(T["list"].render(lang))}</h2>
{listing}
</section>
</main>
</body>
</html>
"""
    return html.encode("utf-8")
