"""The public page: the public activities, what comes next, and how to subscribe.

Plain HTML and inline CSS, no JavaScript (the server sends a Content-Security-Policy that
forbids scripts): it works in any browser, in a screen reader and behind strict proxies. The
QR code is an inline SVG (segno, pure Python), so the page is one request.

Only activities with ``audience: public`` appear, and only what the public feed itself shows
(title, time, place, description, area): no attendee, no organizer, no follow-up.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from importlib import resources
from string import Template

from plancal.i18n import MONTHS, WEEKDAYS, Lang, Text
from plancal.rules.compile import Occurrence, Schedule

UPCOMING = 10  # how many of the next public meetings the page lists

T: dict[str, Text] = {
    "title": Text("{plan} – calendar", "{plan} – kalender"),
    "lead": Text(
        "These are the public activities of {plan}. Subscribe to the calendar and new or "
        "changed times reach your own calendar by themselves.",
        "Här är de offentliga aktiviteterna i {plan}. Prenumerera på kalendern så kommer nya "
        "och ändrade tider in i din egen kalender av sig själva.",
    ),
    "subscribe": Text("Subscribe", "Prenumerera"),
    "webcal": Text("Subscribe in your calendar app", "Prenumerera i din kalenderapp"),
    "https": Text(
        "Calendar address (for Google and Outlook on the web)",
        "Kalenderadress (för Google och Outlook på webben)",
    ),
    "copy": Text("Or copy the address:", "Eller kopiera adressen:"),
    "qr": Text(
        "Scan with your phone's camera to open the calendar address.",
        "Skanna med mobilens kamera för att öppna kalenderadressen.",
    ),
    "qr_title": Text("QR code of the calendar address", "QR-kod med kalenderadressen"),
    "upcoming": Text("Coming up", "Kommande"),
    "none": Text(
        "No more public activities are scheduled (the plan runs {start} – {end}).",
        "Inga fler offentliga aktiviteter är inplanerade (planen gäller {start} – {end}).",
    ),
    "activities": Text("Public activities", "Offentliga aktiviteter"),
    "year": Text("The year at a glance", "Året i korthet"),
    "how_often": Text("How often", "Hur ofta"),
    "place": Text("Place", "Plats"),
    "area": Text("Area", "Område"),
    "all_day": Text("all day", "hela dagen"),
    "no_public": Text(
        "The plan has no public activities.", "Planen har inga offentliga aktiviteter."
    ),
    "howto": Text("How to subscribe", "Så prenumererar du"),
    "footer": Text(
        "Updated {day}. The calendar follows the plan: a change in the plan reaches "
        "every subscriber.",
        "Uppdaterad {day}. Kalendern följer planen: en ändring i planen når alla som prenumererar.",
    ),
    "other": Text("På svenska", "In English"),
}

HOWTO: tuple[tuple[str, tuple[Text, ...]], ...] = (
    (
        "Outlook",
        (
            Text(
                "Outlook on the web and the new Outlook: Calendar → Add calendar → Subscribe from "
                "web → paste the address → Import.",
                "Outlook på webben och nya Outlook: Kalender → Lägg till kalender → Prenumerera "
                "från webben → klistra in adressen → Importera.",
            ),
            Text(
                "Classic Outlook for Windows: Calendar → Add calendar → From Internet… → paste "
                "the address → OK.",
                "Klassiska Outlook för Windows: Kalender → Lägg till kalender → Från Internet… → "
                "klistra in adressen → OK.",
            ),
        ),
    ),
    (
        "Google",
        (
            Text(
                "Open Google Calendar on a computer → Other calendars → + → From URL → paste the "
                "address → Add calendar. It then shows on your phone too.",
                "Öppna Google Kalender på en dator → Andra kalendrar → + → Från webbadress → "
                "klistra in adressen → Lägg till kalender. Den syns sedan även i mobilen.",
            ),
            Text(
                "Google fetches changes every few hours, not at once.",
                "Google hämtar ändringar med några timmars mellanrum, inte direkt.",
            ),
        ),
    ),
    (
        "Apple",
        (
            Text(
                "iPhone and iPad: tap “Subscribe in your calendar app” above, or Settings → "
                "Calendar → Accounts → Add Account → Other → Add Subscribed Calendar → paste the "
                "address.",
                "iPhone och iPad: tryck på ”Prenumerera i din kalenderapp” ovan, eller "
                "Inställningar → Kalender → Konton → Lägg till konto → Annat → Lägg till "
                "prenumererad kalender → klistra in adressen.",
            ),
            Text(
                "Mac: Calendar → File → New Calendar Subscription… → paste the address.",
                "Mac: Kalender → Arkiv → Ny kalenderprenumeration… → klistra in adressen.",
            ),
        ),
    ),
)


def subscribe_urls(base_url: str, feed_file: str) -> tuple[str, str]:
    """(https URL, webcal URL) of a feed under the public base URL."""
    https = base_url.rstrip("/") + "/" + feed_file
    return https, "webcal://" + https.split("://", 1)[1]


def _day(lang: Lang, day: date) -> str:
    month = MONTHS[lang][day.month - 1]
    return f"{WEEKDAYS[lang][day.weekday()]} {day.day} {month} {day.year}"


def _when(lang: Lang, o: Occurrence) -> str:
    if isinstance(o.start, datetime) and isinstance(o.end, datetime):
        if lang == "sv":
            return f"{_day(lang, o.day)}, kl. {o.start:%H.%M}–{o.end:%H.%M}"
        return f"{_day(lang, o.day)}, {o.start:%H:%M}–{o.end:%H:%M}"
    return f"{_day(lang, o.day)}, {T['all_day'].render(lang)}"


def _upcoming(schedule: Schedule, lang: Lang, today: date) -> str:
    public = [a.id for a in schedule.plan.activities if a.public]
    coming = schedule.occurrences(start=today, activities=public)[:UPCOMING] if public else []
    if not coming:
        plan = schedule.plan
        return f"<p>{escape(T['none'].render(lang, start=plan.start, end=plan.end))}</p>"
    items = []
    for o in coming:
        a = o.activity
        line = f'<span class="when">{escape(_when(lang, o))}</span>{escape(a.title)}'
        if a.place:
            line += f" – {escape(a.place)}"
        if o.reason:
            line += f' <span class="note">({escape(o.reason.render(lang))})</span>'
        items.append(f"<li>{line}</li>")
    return '<ul class="events">\n' + "\n".join(items) + "\n</ul>"


def _activities(schedule: Schedule, lang: Lang) -> str:
    out = []
    for a in schedule.plan.activities:
        if not a.public:
            continue
        rows = [f"<h3>{escape(a.title)}</h3>", '<dl class="activity">']
        if a.description:
            rows.append(f"<dd>{escape(a.description)}</dd>")
        rows.append(f"<dt>{escape(T['how_often'].render(lang))}</dt><dd>{escape(a.when)}</dd>")
        if a.place:
            rows.append(f"<dt>{escape(T['place'].render(lang))}</dt><dd>{escape(a.place)}</dd>")
        if a.areas:
            rows.append(
                f"<dt>{escape(T['area'].render(lang))}</dt><dd>{escape(', '.join(a.areas))}</dd>"
            )
        rows.append("</dl>")
        out.append("\n".join(rows))
    return "\n".join(out) or f"<p>{escape(T['no_public'].render(lang))}</p>"


def _howto(lang: Lang) -> str:
    out = []
    for name, steps in HOWTO:
        out.append(
            f"<h3>{escape(name)}</h3>\n<ul>\n"
            + "\n".join(f"<li>{escape(s.render(lang))}</li>" for s in steps)
            + "\n</ul>"
        )
    return "\n".join(out)


def qr_svg(url: str, title: str) -> str:
    import segno

    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=4, border=4, title=title, svgclass="qr")
    return svg.replace("<svg ", '<svg role="img" ', 1)


def render(
    schedule: Schedule,
    lang: Lang,
    base_url: str,
    feed_file: str,
    feed_title: str,
    today: date,
    wheel_svg: str = "",
) -> bytes:
    """The page in one language. ``today`` (the plan's local date) picks what comes next;
    ``wheel_svg``, the public årshjul drawn inline (``calendars.wheel``), if any."""
    plan = schedule.plan
    https, webcal = subscribe_urls(base_url, feed_file)
    other: Lang = "en" if lang == "sv" else "sv"
    template = Template(
        resources.files("plancal.calendars")
        .joinpath("templates/index.html")
        .read_text(encoding="utf-8")
    )
    html = template.substitute(
        lang=lang,
        other_lang=other,
        other_href="en/" if lang == "sv" else "../",
        other_name=escape(T["other"].render(lang)),
        title=escape(T["title"].render(lang, plan=plan.name)),
        heading=escape(plan.name),
        feed_title=escape(feed_title),
        lead=escape(T["lead"].render(lang, plan=plan.name)),
        subscribe_heading=escape(T["subscribe"].render(lang)),
        webcal_url=escape(webcal),
        https_url=escape(https),
        webcal_label=escape(T["webcal"].render(lang)),
        https_label=escape(T["https"].render(lang)),
        copy_label=escape(T["copy"].render(lang)),
        qr_svg=qr_svg(https, T["qr_title"].render(lang)),
        qr_caption=escape(T["qr"].render(lang)),
        upcoming_heading=escape(T["upcoming"].render(lang)),
        upcoming=_upcoming(schedule, lang, today),
        year_wheel=_year_wheel(wheel_svg, lang),
        activities_heading=escape(T["activities"].render(lang)),
        activities=_activities(schedule, lang),
        howto_heading=escape(T["howto"].render(lang)),
        howto=_howto(lang),
        footer=escape(T["footer"].render(lang, day=today.isoformat())),
    )
    return html.encode("utf-8")


def _year_wheel(svg: str, lang: Lang) -> str:
    if not svg:
        return ""
    heading = escape(T["year"].render(lang))
    return (
        '<section aria-labelledby="year" class="wheel">\n'
        f'<h2 id="year">{heading}</h2>\n{svg}</section>\n'
    )
