"""The year plan on paper: A4 pages as SVG, one drawing per page.

A title page; one page per month with a calendar grid (ISO week numbers, a dot per meeting on
its day) and the month's meetings listed with day, time, title and place (continued on further
pages when a month holds more than a page); the follow-up deadlines with who is responsible;
and the årshjul of each plan year. Built from the same compiled Schedule as the feeds, so paper
and calendars cannot disagree: every listed meeting and deadline carries its identity
(``data-uid``, ``data-recurrence-id``) for the tests to read back.

The whole plan is printed (the ``plan`` feed): this is the coordinator's paper for the steering
group, not a public document.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from html import escape

from plancal.calendars import wheel
from plancal.calendars.feeds import feeds_for
from plancal.i18n import MONTHS, WEEKDAYS, Lang, Text
from plancal.rules.compile import Deadline, Occurrence, Schedule, day_of

WIDTH, HEIGHT = 794, 1123  # A4 at 96 dpi
MARGIN = 48
INK, MUTED, RULE = "#1a1a1a", "#4d4d4d", "#b3b3b3"
LINE = 17  # list line height
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

T = {
    "year_plan": Text("Year plan", "Årsplan"),
    "period": Text("Plan period {start} – {end}", "Planperiod {start} – {end}"),
    "printed": Text("Showing {first} – {last}", "Visar {first} – {last}"),
    "contents": Text(
        "Month by month: a calendar with week numbers and every meeting with its time and "
        "place. Then the follow-up deadlines and who is responsible, and the year wheel.",
        "Månad för månad: en kalender med veckonummer och varje möte med tid och plats. "
        "Sedan uppföljningarna med ansvariga, och årshjulet.",
    ),
    "week": Text("w.", "v."),
    "meetings": Text("Meetings", "Möten"),
    "continued": Text("{month} (continued)", "{month} (forts.)"),
    "none": Text("No meetings this month.", "Inga möten den här månaden."),
    "deadlines": Text("Follow-up deadlines", "Uppföljningar"),
    "responsible": Text("Responsible: {roles}", "Ansvariga: {roles}"),
    "no_deadlines": Text(
        "No follow-up deadlines in this period.", "Inga uppföljningar under perioden."
    ),
    "all_day": Text("all day", "hela dagen"),
    "page": Text("Page {n} of {total}", "Sida {n} av {total}"),
}


def pages(schedule: Schedule, first: date, last: date, lang: Lang = "sv") -> list[str]:
    """The pages of the year plan from ``first`` to ``last`` (inclusive), each an SVG."""
    bodies: list[list[str]] = [_title_page(schedule, first, last, lang)]
    month = date(first.year, first.month, 1)
    while month <= last:
        following = _next_month(month)
        lo, hi = max(month, first), min(following - timedelta(days=1), last)
        bodies += _month_pages(schedule, month, lo, hi, lang)
        month = following
    bodies += _deadline_pages(schedule, first, last, lang)
    plan_feed = next(f for f in feeds_for(schedule.plan) if f.kind == "plan")
    years = sorted({wheel.year_of(schedule, first), wheel.year_of(schedule, last)})
    for year in range(years[0], years[-1] + 1):
        bodies.append([_embed_wheel(wheel.render(schedule, plan_feed, lang, year, inline=True))])
    total = len(bodies)
    return [_page(body, n + 1, total, lang) for n, body in enumerate(bodies)]


# --- pages ----------------------------------------------------------------------------------


def _page(body: list[str], n: int, total: int, lang: Lang) -> str:
    footer = escape(T["page"].render(lang, n=n, total=total))
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="{WIDTH}" height="{HEIGHT}" font-family="{FONT}" lang="{lang}">',
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
            *body,
            f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 24}" font-size="11" fill="{MUTED}" '
            f'text-anchor="end">{footer}</text>',
            "</svg>",
        ]
    )


def _title_page(schedule: Schedule, first: date, last: date, lang: Lang) -> list[str]:
    plan = schedule.plan
    out = [
        _text(MARGIN, 300, T["year_plan"].render(lang), 22, MUTED),
        *[
            _text(MARGIN, 345 + 40 * i, line, 32, INK, "bold")
            for i, line in enumerate(_wrap(plan.name, 36)[:3])
        ],
        _text(
            MARGIN,
            480,
            T["period"].render(lang, start=_day(plan.start, lang), end=_day(plan.end, lang)),
            16,
        ),
        _text(
            MARGIN,
            506,
            T["printed"].render(lang, first=_day(first, lang), last=_day(last, lang)),
            16,
        ),
    ]
    for i, line in enumerate(_wrap(T["contents"].render(lang), 80)):
        out.append(_text(MARGIN, 570 + 22 * i, line, 14, MUTED))
    return out


def _month_pages(
    schedule: Schedule, month: date, lo: date, hi: date, lang: Lang
) -> list[list[str]]:
    meetings = schedule.occurrences(lo, hi)
    heading = f"{MONTHS[lang][month.month - 1].capitalize()} {month.year}"
    grid, bottom = _grid(month, lo, hi, meetings, lang)
    page = [_text(MARGIN, MARGIN + 20, heading, 24, INK, "bold"), *grid]
    page.append(_text(MARGIN, bottom + 34, T["meetings"].render(lang), 16, INK, "bold"))
    y = bottom + 60
    pages = [page]
    if not meetings:
        page.append(_text(MARGIN, y, T["none"].render(lang), 12, MUTED))
    for o in meetings:
        if y > HEIGHT - 60:  # continue the list on a page of its own
            page = [
                _text(
                    MARGIN, MARGIN + 20, T["continued"].render(lang, month=heading), 20, INK, "bold"
                )
            ]
            pages.append(page)
            y = MARGIN + 56
        page.append(_meeting_line(o, y, lang))
        y += LINE
    return pages


def _grid(
    month: date, lo: date, hi: date, meetings: list[Occurrence], lang: Lang
) -> tuple[list[str], float]:
    weeks = calendar.Calendar().monthdatescalendar(month.year, month.month)
    top, left = MARGIN + 48, MARGIN + 34
    cell_w, cell_h = (WIDTH - left - MARGIN) / 7, 44
    per_day: dict[date, int] = {}
    for o in meetings:
        per_day[day_of(o.start)] = per_day.get(day_of(o.start), 0) + 1
    out = []
    for i in range(7):
        out.append(_text(left + cell_w * i + 4, top - 8, WEEKDAYS[lang][i][:3], 11, MUTED))
    out.append(_text(MARGIN, top - 8, T["week"].render(lang), 11, MUTED))
    for r, week in enumerate(weeks):
        y = top + r * cell_h
        out.append(_text(MARGIN, y + 16, str(week[0].isocalendar().week), 11, MUTED))
        for c, day in enumerate(week):
            x = left + c * cell_w
            inside = day.month == month.month and lo <= day <= hi
            fill = "#ffffff" if inside else "#f2f2f2"
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" height="{cell_h}" '
                f'fill="{fill}" stroke="{RULE}"/>'
            )
            if day.month == month.month:
                colour = INK if inside else MUTED
                out.append(_text(x + 4, y + 14, str(day.day), 11, colour))
            for k in range(min(per_day.get(day, 0) if inside else 0, 8)):
                cx = x + 9 + (k % 4) * 11
                cy = y + 26 + (k // 4) * 10
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#1f5f9e"/>')
    return out, top + len(weeks) * cell_h


def _meeting_line(o: Occurrence, y: float, lang: Lang) -> str:
    a = o.series.activity
    day = day_of(o.start)
    when = (
        f"{o.start:%H.%M}–{o.end:%H.%M}"
        if isinstance(o.start, datetime) and isinstance(o.end, datetime)
        else T["all_day"].render(lang)
    )
    weekday = WEEKDAYS[lang][day.weekday()][:3]
    place = f" — {a.place}" if a.place else ""
    text = _fit(f"{a.title}{place}", 82)
    rid = "" if o.recurrence_id is None else f' data-recurrence-id="{o.recurrence_id.isoformat()}"'
    return (
        f'<g class="meeting" data-kind="meeting" data-uid="{escape(o.uid)}"{rid} font-size="12" '
        f'fill="{INK}"><text x="{MARGIN}" y="{y:.0f}">{weekday} {day.day}</text>'
        f'<text x="{MARGIN + 56}" y="{y:.0f}">{when}</text>'
        f'<text x="{MARGIN + 150}" y="{y:.0f}">{escape(text)}</text></g>'
    )


def _deadline_pages(schedule: Schedule, first: date, last: date, lang: Lang) -> list[list[str]]:
    due = sorted(
        (d for d in schedule.deadlines if first <= d.due <= last), key=lambda d: (d.due, d.uid)
    )
    page = [_text(MARGIN, MARGIN + 20, T["deadlines"].render(lang), 24, INK, "bold")]
    pages = [page]
    y = MARGIN + 64
    if not due:
        page.append(_text(MARGIN, y, T["no_deadlines"].render(lang), 12, MUTED))
    for d in due:
        lines = _deadline_lines(schedule, d, lang)
        if y + LINE * len(lines) > HEIGHT - 60:
            page = [_text(MARGIN, MARGIN + 20, T["deadlines"].render(lang), 24, INK, "bold")]
            pages.append(page)
            y = MARGIN + 64
        body = "".join(
            f'<text x="{MARGIN + (0 if i == 0 else 110)}" y="{y + i * LINE:.0f}"'
            f"{' fill=' + chr(34) + MUTED + chr(34) if i else ''}>{escape(line)}</text>"
            for i, line in enumerate(lines)
        )
        page.append(
            f'<g class="deadline" data-kind="deadline" data-uid="{escape(d.uid)}" font-size="12" '
            f'fill="{INK}">{body}</g>'
        )
        y += LINE * len(lines) + 6
    return pages


def _deadline_lines(schedule: Schedule, d: Deadline, lang: Lang) -> list[str]:
    roles = ", ".join(
        schedule.plan.role_by_id[r].label(lang) if r in schedule.plan.role_by_id else r
        for r in d.followup.responsible
    )
    what = _wrap(d.followup.what, 72)
    first_line = f"{_day(d.due, lang):<12}"
    return [f"{first_line}  {what[0]}", *what[1:], T["responsible"].render(lang, roles=roles)]


def _embed_wheel(svg: str) -> str:
    """The wheel, scaled into the page below its margin."""
    scale = (WIDTH - 2 * MARGIN) / wheel.WIDTH
    return f'<g transform="translate({MARGIN} {MARGIN}) scale({scale:.4f})">{_inner(svg)}</g>'


def _inner(svg: str) -> str:
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[start : svg.rindex("</svg>")]


# --- text -----------------------------------------------------------------------------------


def _text(x: float, y: float, text: str, size: int, fill: str = INK, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _day(day: date, lang: Lang) -> str:
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def months(first: date, last: date) -> Iterator[date]:
    month = date(first.year, first.month, 1)
    while month <= last:
        yield month
        month = _next_month(month)
