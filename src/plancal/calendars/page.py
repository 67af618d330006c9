"""The public page: the public activities, what comes next, and how to subscribe.

Plain HTML and inline CSS, no JavaScript (the server sends a Content-Security-Policy that
forbids scripts): it works in any browser, in a screen reader and behind strict proxies. The
QR code is an inline SVG (segno, pure Python), so the page is one request.

Only activities with ``audience: public`` appear, and only what the public feed itself shows
(title, time, place, description, area): no attendee, no organizer, no follow-up. The one
address on the page is the contact role's the plan names for the public.

The English page is English where the plan gives a translation (``name_en``, ``title_en``,
``description_en``, ``place_en``); where it does not, the Swedish text stands in, marked
``lang="sv"`` so a screen reader pronounces it as Swedish (WCAG 3.1.2).

After the plan period the page says so ("Planen gällde 2022–2023") and stops offering a
subscription to a calendar that will not change any more.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from importlib import resources
from string import Template

from plancal.i18n import MONTHS, WEEKDAYS, Lang, Text
from plancal.rules import cadence as cad
from plancal.rules.compile import Occurrence, Schedule
from plancal.rules.model import Activity, Plan

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
    "ended": Text("The plan ran {years}.", "Planen gällde {years}."),
    "ended_lead": Text(
        "Its period is over: no more activities are scheduled. The activities it held are "
        "listed below.",
        "Planperioden är slut: inga fler aktiviteter är inplanerade. Planens aktiviteter finns "
        "kvar nedan.",
    ),
    "period": Text("The plan runs {start} – {end}.", "Planen gäller {start} – {end}."),
    "contact": Text("Contact", "Kontakt"),
    "contact_text": Text("Questions about the plan:", "Frågor om planen:"),
    "document": Text("Read the whole plan", "Läs hela handlingsplanen"),
    "logo": Text("Logo of {name}", "{name}s logotyp"),
    "skip": Text("Skip to the activities", "Hoppa till aktiviteterna"),
}

# How often, in English: the plan's own words are Swedish, and the page must not mix them into
# an English sentence; where no English form exists the Swedish words stand, marked as Swedish.
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Logo:
    """The municipality's logo, inlined into the page (one request; the CSP allows data:)."""

    media_type: str
    data: bytes

    @property
    def uri(self) -> str:
        return f"data:{self.media_type};base64," + base64.b64encode(self.data).decode("ascii")


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


def years(plan: Plan) -> str:
    """``2022–2023``, or one year."""
    if plan.start.year == plan.end.year:
        return str(plan.start.year)
    return f"{plan.start.year}–{plan.end.year}"


def _in(lang: Lang, text: str, translated: bool) -> str:
    """Escaped text; Swedish standing in on the English page says it is Swedish."""
    if lang == "en" and not translated:
        return f'<span lang="sv">{escape(text)}</span>'
    return escape(text)


def _day(lang: Lang, day: date) -> str:
    month = MONTHS[lang][day.month - 1]
    return f"{WEEKDAYS[lang][day.weekday()]} {day.day} {month} {day.year}"


def _when(lang: Lang, o: Occurrence) -> str:
    if isinstance(o.start, datetime) and isinstance(o.end, datetime):
        if lang == "sv":
            return f"{_day(lang, o.day)}, kl. {o.start:%H.%M}–{o.end:%H.%M}"
        return f"{_day(lang, o.day)}, {o.start:%H:%M}–{o.end:%H:%M}"
    return f"{_day(lang, o.day)}, {T['all_day'].render(lang)}"


def how_often_en(a: Activity) -> str | None:
    """The cadence in English words, or None where only the plan's own words say it."""
    c = a.cadence
    at = f" at {a.start_time:%H:%M}" if a.start_time and not a.all_day else ""
    if isinstance(c, cad.Weekly):
        days = " and ".join(EN_WEEKDAYS[d] for d in c.weekdays or (a.weekday,))
        every = "Every" if c.interval == 1 else f"Every {c.interval} weeks on"
        return f"{every} {days}{at}"
    if isinstance(c, cad.Monthly):
        return f"Once a month{at}"
    if isinstance(c, cad.PerYear):
        times = "once" if c.count == 1 else "twice" if c.count == 2 else f"{c.count} times"
        if c.most is not None:
            return f"{c.count}–{c.most} times a year{at}"
        if c.about:
            return f"About {times} a year{at}"
        return f"{'At least ' + times if c.at_least else times.capitalize()} a year{at}"
    if isinstance(c, cad.AsNeeded):
        within = c.span()
        return "When needed" + (f", {within[0]} – {within[1]}" if within and not c.year else "")
    if isinstance(c, cad.Dates):
        return ", ".join(str(d) for d in c.items) + (at if c.start_time else "")
    return None


def _how_often(lang: Lang, a: Activity) -> str:
    english = how_often_en(a) if lang == "en" else None
    return escape(english) if english else _in(lang, a.when, lang == "sv")


def _upcoming(schedule: Schedule, lang: Lang, today: date) -> str:
    public = [a.id for a in schedule.plan.activities if a.public]
    coming = schedule.occurrences(start=today, activities=public)[:UPCOMING] if public else []
    if not coming:
        plan = schedule.plan
        return f"<p>{escape(T['none'].render(lang, start=plan.start, end=plan.end))}</p>"
    items = []
    for o in coming:
        a = o.activity
        line = f'<span class="when">{escape(_when(lang, o))}</span>'
        line += _in(lang, a.title_in(lang), a.translated(lang, "title"))
        place = a.place_in(lang)
        if place:
            line += " – " + _in(lang, place, a.translated(lang, "place"))
        if o.reason:
            line += f' <span class="note">({escape(o.reason.render(lang))})</span>'
        items.append(f"<li>{line}</li>")
    return '<ul class="events">\n' + "\n".join(items) + "\n</ul>"


def _activities(schedule: Schedule, lang: Lang) -> str:
    out = []
    for a in schedule.plan.activities:
        if not a.public:
            continue
        title = _in(lang, a.title_in(lang), a.translated(lang, "title"))
        rows = [f"<h3>{title}</h3>"]
        description = a.description_in(lang)
        if description:
            rows.append(f"<p>{_in(lang, description, a.translated(lang, 'description'))}</p>")
        rows.append('<dl class="activity">')
        rows.append(f"<dt>{escape(T['how_often'].render(lang))}</dt><dd>{_how_often(lang, a)}</dd>")
        place = a.place_in(lang)
        if place:
            where = _in(lang, place, a.translated(lang, "place"))
            rows.append(f"<dt>{escape(T['place'].render(lang))}</dt><dd>{where}</dd>")
        if a.areas:
            areas = _in(lang, ", ".join(a.areas), lang == "sv")
            rows.append(f"<dt>{escape(T['area'].render(lang))}</dt><dd>{areas}</dd>")
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


def _identity(plan: Plan, lang: Lang, logo: Logo | None) -> str:
    m = plan.municipality
    if m is None:
        return ""
    name = _in(lang, m.label(lang), lang == "sv" or m.name_en is not None)
    image = ""
    if logo is not None:
        alt = escape(T["logo"].render(lang, name=m.label(lang)))
        image = f'<img class="logo" src="{logo.uri}" alt="{alt}" height="56">'
    return f'<p class="org">{image}<span>{name}</span></p>'


def _contact(plan: Plan, lang: Lang) -> str:
    parts = []
    role = plan.role_by_id.get(plan.contact or "")
    if role is not None:
        label = _in(lang, role.label(lang), lang == "sv" or role.name_en is not None)
        parts.append(
            f"<p>{escape(T['contact_text'].render(lang))} {label}, "
            f'<a href="mailto:{escape(role.email)}">{escape(role.email)}</a></p>'
        )
    if plan.document:
        parts.append(
            f'<p><a href="{escape(plan.document)}">{escape(T["document"].render(lang))}</a></p>'
        )
    if not parts:
        return ""
    heading = escape(T["contact"].render(lang))
    return (
        f'<section aria-labelledby="contact">\n<h2 id="contact">{heading}</h2>\n'
        + "\n".join(parts)
        + "\n</section>"
    )


def _subscribe(lang: Lang, https: str, webcal: str, upcoming: str) -> str:
    def t(key: str) -> str:
        return escape(T[key].render(lang))

    return f"""<section aria-labelledby="subscribe">
<h2 id="subscribe">{t("subscribe")}</h2>
<div class="subscribe">
<div class="links">
<p><a class="button" id="webcal" href="{escape(webcal)}">{t("webcal")}</a></p>
<p><a id="https" href="{escape(https)}">{t("https")}</a></p>
<p>{t("copy")}</p>
<code>{escape(https)}</code>
</div>
<figure>
{qr_svg(https, T["qr_title"].render(lang))}
<figcaption>{t("qr")}</figcaption>
</figure>
</div>
</section>

<section aria-labelledby="upcoming">
<h2 id="upcoming">{t("upcoming")}</h2>
{upcoming}
</section>"""


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
    logo: Logo | None = None,
    wheel_svg: str = "",
) -> bytes:
    """The page in one language. ``today`` (the plan's local date) picks what comes next;
    ``logo``, the municipality's; ``wheel_svg``, the public årshjul drawn inline
    (``calendars.wheel``), if any."""
    plan = schedule.plan
    https, webcal = subscribe_urls(base_url, feed_file)
    other: Lang = "en" if lang == "sv" else "sv"
    ended = today > plan.end
    name = plan.label(lang)
    name_html = _in(lang, name, lang == "sv" or plan.name_en is not None)
    if ended:
        status = (
            f'<p class="status"><strong>{escape(T["ended"].render(lang, years=years(plan)))}'
            f"</strong> {escape(T['ended_lead'].render(lang))}</p>"
        )
        subscribe = ""
        howto = ""
    else:
        lead = T["lead"].render(lang, plan=name)
        period = T["period"].render(lang, start=plan.start, end=plan.end)
        status = f"<p>{escape(lead)}</p>\n<p>{escape(period)}</p>"
        subscribe = _subscribe(lang, https, webcal, _upcoming(schedule, lang, today))
        howto = (
            f'<section aria-labelledby="howto">\n<h2 id="howto">'
            f"{escape(T['howto'].render(lang))}</h2>\n{_howto(lang)}\n</section>"
        )
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
        title=escape(T["title"].render(lang, plan=name)),
        identity=_identity(plan, lang, logo),
        heading=name_html,
        feed_title=escape(feed_title),
        https_url=escape(https),
        status=status,
        subscribe=subscribe,
        year_wheel=_year_wheel(wheel_svg, lang),
        activities_heading=escape(T["activities"].render(lang)),
        activities=_activities(schedule, lang),
        contact=_contact(plan, lang),
        howto=howto,
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
