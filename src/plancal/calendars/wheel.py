"""The årshjul: one plan year as a wheel of twelve months, drawn as SVG.

A drawing of known geometry, so it is written directly: twelve month sectors clockwise from the
top, starting with the month the plan starts in; week numbers on the outer edge; one ring per
area (Ungdomskriminalitet, Narkotika, Samverkan, …) with a mark on the day of each meeting;
the follow-up deadlines on a ring of their own, innermost; breaks and holidays shaded across
the rings; a legend below.

It is built from the same compiled Schedule as the feeds and filtered by the same ``Feed``
rules, so the wheel and a feed cannot disagree: every mark carries the occurrence's identity
(``data-uid``, ``data-recurrence-id``, ``data-start``), and the public wheel holds exactly the
public feed's meetings — never an internal one.

Readable on A4 and on a projector: the text is at least 11 user units high on a 1000-unit
wide page, dark on light, and every mark has a ``<title>`` (its text alternative); the root
is ``role="img"`` with a title and a description that say what the picture shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from plancal.calendars.feeds import Feed
from plancal.i18n import MONTHS, Lang, Text
from plancal.rules.compile import Deadline, Occurrence, Schedule, day_of, work_calendar
from plancal.rules.model import Activity

WIDTH, HEIGHT = 1000, 1180
CX, CY = 500, 520
R_OUTER = 470  # outer edge of the week ring
R_WEEKS = 445  # inner edge of the week ring, outer edge of the month ring
R_MONTHS = 405  # inner edge of the month ring: the activity rings start here
R_INNER = 120  # the centre keeps the title
OTHER_AREA = "\x00other"  # activities without an area

# Colours with at least 3:1 contrast against white (WCAG 1.4.11, non-text contrast).
PALETTE = ("#1f5f9e", "#a3461b", "#2e7d32", "#6a3d9a", "#8a6d00", "#00687a", "#b0185a")
DEADLINE_COLOUR = "#b00020"
BREAK_FILL = "#d9d9d9"
HOLIDAY_FILL = "#f4c7c3"
INK = "#1a1a1a"

T = {
    "title": Text("{plan}: the year {first} – {last}", "{plan}: året {first} – {last}"),
    "desc": Text(
        "A year wheel of {meetings} meetings and {deadlines} follow-up deadlines, month by month "
        "clockwise from {month}; one ring per area, deadlines innermost, breaks and holidays "
        "shaded.",
        "Ett årshjul med {meetings} möten och {deadlines} uppföljningsdatum, månad för månad "
        "medurs från {month}; en ring per område, uppföljningar innerst, uppehåll och helgdagar "
        "skuggade.",
    ),
    "deadlines": Text("Follow-up deadlines", "Uppföljningar"),
    "other": Text("Other activities", "Övriga aktiviteter"),
    "meeting": Text("Meeting", "Möte"),
    "deadline": Text("Follow-up deadline", "Uppföljning"),
    "break": Text("Break", "Uppehåll"),
    "holiday": Text("Holiday", "Helgdag"),
    "week": Text("Week numbers on the outer edge", "Veckonummer i ytterkanten"),
    "due": Text("{what}, due {day}", "{what}, senast {day}"),
}


@dataclass(frozen=True)
class Mark:
    """One occurrence or deadline on the wheel, with the identity the feeds give it."""

    kind: str  # "meeting" or "deadline"
    uid: str
    recurrence_id: str | None
    day: date
    start: str
    ring: str
    label: str


def year_of(schedule: Schedule, today: date) -> int:
    """The plan year ``today`` falls in (the first or the last outside the plan period)."""
    start = schedule.plan.start
    year = today.year if today.month >= start.month else today.year - 1
    last = (
        schedule.plan.end.year
        if schedule.plan.end.month >= start.month
        else schedule.plan.end.year - 1
    )
    return min(max(year, start.year), max(last, start.year))


def year_bounds(schedule: Schedule, year: int | None) -> tuple[date, date]:
    """The plan year: twelve months from the month the plan starts in (``year`` picks which)."""
    first_month = schedule.plan.start.month
    y = schedule.plan.start.year if year is None else year
    first = date(y, first_month, 1)
    last = _add_months(first, 12) - timedelta(days=1)
    return first, last


def marks(schedule: Schedule, feed: Feed, first: date, last: date, lang: Lang) -> list[Mark]:
    """What the wheel shows for ``feed`` between ``first`` and ``last``, in time order."""
    out: list[Mark] = []
    for o in schedule.occurrences(first, last):
        a = o.series.activity
        roles = frozenset(r for r in (a.organizer, *a.attendees) if r)
        if not feed.wants_meeting(a.public, roles):
            continue
        out.append(_meeting_mark(o, a, lang))
    if not feed.public:
        for d in schedule.deadlines:
            if first <= d.due <= last and feed.wants_deadline(frozenset(d.followup.responsible)):
                out.append(_deadline_mark(d, lang))
    out.sort(key=lambda m: (m.day, m.kind, m.start, m.uid))
    return out


def rings(schedule: Schedule, shown: Sequence[Mark]) -> list[str]:
    """Area rings from the outside in: the plan's areas in order of appearance, then others."""
    order: list[str] = []
    for a in schedule.plan.activities:
        for area in a.areas or (OTHER_AREA,):
            if area not in order:
                order.append(area)
    used = {m.ring for m in shown if m.kind == "meeting"}
    return [r for r in order if r in used] or [OTHER_AREA]


def render(
    schedule: Schedule,
    feed: Feed,
    lang: Lang = "sv",
    year: int | None = None,
    inline: bool = False,
) -> str:
    """The wheel of one plan year: a standalone SVG document, or (``inline``) an ``<svg>``
    element for a page, sized by the page's CSS."""
    first, last = year_bounds(schedule, year)
    shown = marks(schedule, feed, first, last, lang)
    areas = rings(schedule, shown)
    drawing = _Drawing(first, last, areas)
    meetings = sum(1 for m in shown if m.kind == "meeting")
    deadlines = len(shown) - meetings
    title = T["title"].render(
        lang, plan=schedule.plan.name, first=_month_year(first, lang), last=_month_year(last, lang)
    )
    desc = T["desc"].render(
        lang, meetings=meetings, deadlines=deadlines, month=MONTHS[lang][first.month - 1]
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        + ("" if inline else f'width="{WIDTH}" height="{HEIGHT}" ')
        + 'role="img" aria-labelledby="wheel-title wheel-desc" '
        f'font-family="DejaVu Sans, Verdana, Arial, sans-serif" lang="{lang}">',
        f'<title id="wheel-title">{escape(title)}</title>',
        f'<desc id="wheel-desc">{escape(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    parts += drawing.shading(schedule, feed.public, lang)
    parts += drawing.grid(lang)
    parts += drawing.marks(shown)
    parts += _centre(schedule, first, last, lang)
    parts += _legend(areas, lang)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# --- geometry -------------------------------------------------------------------------------


class _Drawing:
    def __init__(self, first: date, last: date, areas: Sequence[str]):
        self.first, self.last = first, last
        self.days = (last - first).days + 1
        self.areas = list(areas)
        band = (R_MONTHS - R_INNER) / (len(self.areas) + 1)  # +1: the deadline ring
        self.band = band
        self.ring_of = {area: R_MONTHS - band * (i + 0.5) for i, area in enumerate(self.areas)}
        self.deadline_radius = R_MONTHS - band * (len(self.areas) + 0.5)

    def angle(self, day: date, fraction: float = 0.5) -> float:
        """Degrees clockwise from the top for the middle (by default) of ``day``."""
        return ((day - self.first).days + fraction) / self.days * 360.0

    def grid(self, lang: Lang) -> list[str]:
        out = [
            f'<circle cx="{CX}" cy="{CY}" r="{R_OUTER}" fill="none" stroke="{INK}" '
            'stroke-width="1.5"/>',
            f'<circle cx="{CX}" cy="{CY}" r="{R_WEEKS}" fill="none" stroke="#767676"/>',
            f'<circle cx="{CX}" cy="{CY}" r="{R_MONTHS}" fill="none" stroke="{INK}"/>',
        ]
        for i in range(len(self.areas)):  # ring separators
            r = R_MONTHS - self.band * (i + 1)
            out.append(f'<circle cx="{CX}" cy="{CY}" r="{r:.1f}" fill="none" stroke="#b3b3b3"/>')
        out.append(f'<circle cx="{CX}" cy="{CY}" r="{R_INNER}" fill="none" stroke="{INK}"/>')
        month = self.first
        while month <= self.last:
            a = self.angle(month, 0.0)
            x1, y1 = _point(a, R_INNER)
            x2, y2 = _point(a, R_WEEKS)
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke="{INK}" stroke-width="1.2"/>'
            )
            following = _add_months(month, 1)
            middle = self.angle(month, 0.0) + (following - month).days / self.days * 180.0
            out.append(
                _text_along(middle, (R_WEEKS + R_MONTHS) / 2, MONTHS[lang][month.month - 1], 19)
            )
            month = following
        day = self.first + timedelta(days=(7 - self.first.weekday()) % 7)  # the first Monday
        while day <= self.last:
            a = self.angle(day, 0.0)
            x1, y1 = _point(a, R_WEEKS)
            x2, y2 = _point(a, R_WEEKS + 6)
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#767676"/>'
            )
            week = day.isocalendar().week
            out.append(_text_at(self.angle(day, 3.5), (R_OUTER + R_WEEKS) / 2, str(week), size=11))
            day += timedelta(days=7)
        return out

    def shading(self, schedule: Schedule, public: bool, lang: Lang) -> list[str]:
        """Breaks and holidays as shaded sectors across the activity rings."""
        cal = work_calendar(schedule.plan)
        out = ['<g class="shading">']
        for span in cal.breaks:
            first, last = max(span.start, self.first), min(span.end, self.last)
            if first > last:
                continue
            title = f"{T['break'].render(lang)}: {span.name} {span.start} – {span.end}"
            out.append(
                self._sector(
                    first,
                    last,
                    BREAK_FILL,
                    "break",
                    title,
                    data=f' data-break="{escape(span.break_id)}"',
                )
            )
        for day, name in sorted(cal.holidays.items()):
            if self.first <= day <= self.last:
                title = f"{T['holiday'].render(lang)}: {name} {day}"
                out.append(
                    self._sector(
                        day, day, HOLIDAY_FILL, "holiday", title, data=f' data-day="{day}"'
                    )
                )
        out.append("</g>")
        return out

    def _sector(
        self, first: date, last: date, fill: str, cls: str, title: str, data: str = ""
    ) -> str:
        a0, a1 = self.angle(first, 0.0), self.angle(last, 1.0)
        large = 1 if a1 - a0 > 180 else 0
        ox0, oy0 = _point(a0, R_MONTHS)
        ox1, oy1 = _point(a1, R_MONTHS)
        ix1, iy1 = _point(a1, R_INNER)
        ix0, iy0 = _point(a0, R_INNER)
        path = (
            f"M{ox0:.1f},{oy0:.1f} A{R_MONTHS},{R_MONTHS} 0 {large} 1 {ox1:.1f},{oy1:.1f} "
            f"L{ix1:.1f},{iy1:.1f} A{R_INNER},{R_INNER} 0 {large} 0 {ix0:.1f},{iy0:.1f} Z"
        )
        return (
            f'<path class="{cls}"{data} d="{path}" fill="{fill}">'
            f"<title>{escape(title)}</title></path>"
        )

    def marks(self, shown: Iterable[Mark]) -> list[str]:
        out = ['<g class="marks">']
        stacked: dict[tuple[str, date], int] = {}
        for m in shown:
            radius = self.deadline_radius if m.kind == "deadline" else self.ring_of[m.ring]
            n = stacked.get((m.ring, m.day), 0)  # two marks on one day in one ring: side by side
            stacked[(m.ring, m.day)] = n + 1
            offset = (0.0, 0.3, -0.3)[n % 3] * self.band
            x, y = _point(self.angle(m.day), radius + offset)
            attrs = (
                f'class="mark {m.kind}" data-kind="{m.kind}" data-uid="{escape(m.uid)}" '
                f'data-start="{escape(m.start)}" data-day="{m.day.isoformat()}"'
            )
            if m.recurrence_id is not None:
                attrs += f' data-recurrence-id="{escape(m.recurrence_id)}"'
            label = f"<title>{escape(m.label)}</title>"
            if m.kind == "deadline":
                s = 6.5
                out.append(
                    f'<path {attrs} d="M{x:.1f},{y - s:.1f} L{x + s:.1f},{y:.1f} L{x:.1f},{y + s:.1f} '
                    f'L{x - s:.1f},{y:.1f} Z" fill="{DEADLINE_COLOUR}" stroke="#ffffff" '
                    f'stroke-width="1">{label}</path>'
                )
            else:
                colour = PALETTE[self.areas.index(m.ring) % len(PALETTE)]
                out.append(
                    f'<circle {attrs} cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{colour}" '
                    f'stroke="#ffffff" stroke-width="1">{label}</circle>'
                )
        out.append("</g>")
        return out


def _meeting_mark(o: Occurrence, a: Activity, lang: Lang) -> Mark:
    when = o.start.strftime("%Y-%m-%d %H:%M") if isinstance(o.start, datetime) else str(o.start)
    place = f", {a.place}" if a.place else ""
    rid = o.recurrence_id
    return Mark(
        "meeting",
        o.uid,
        None if rid is None else rid.isoformat(),
        day_of(o.start),
        o.start.isoformat(),
        a.areas[0] if a.areas else OTHER_AREA,
        f"{a.title} – {when}{place}",
    )


def _deadline_mark(d: Deadline, lang: Lang) -> Mark:
    return Mark(
        "deadline",
        d.uid,
        None,
        d.due,
        d.due.isoformat(),
        "deadlines",
        T["due"].render(lang, what=d.followup.what, day=d.due.isoformat()),
    )


def _centre(schedule: Schedule, first: date, last: date, lang: Lang) -> list[str]:
    years = str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
    name = schedule.plan.name
    lines = _wrap(name, 22)[:3]
    out = [f'<g class="centre" fill="{INK}" text-anchor="middle">']
    y = CY - 12 * (len(lines) - 1) - 6
    for line in lines:
        out.append(
            f'<text x="{CX}" y="{y:.0f}" font-size="17" font-weight="bold">{escape(line)}</text>'
        )
        y += 22
    out.append(f'<text x="{CX}" y="{y + 8:.0f}" font-size="28" font-weight="bold">{years}</text>')
    out.append("</g>")
    return out


def _legend(areas: Sequence[str], lang: Lang) -> list[str]:
    out = [f'<g class="legend" font-size="16" fill="{INK}">']
    x, y = 60, CY + R_OUTER + 50
    entries: list[tuple[str, str]] = []
    for i, area in enumerate(areas):
        name = T["other"].render(lang) if area == OTHER_AREA else area
        colour = PALETTE[i % len(PALETTE)]
        entries.append((f'<circle cx="{{x}}" cy="{{y}}" r="7" fill="{colour}"/>', name))
    entries.append(
        (
            f'<path d="M{{x}},{{ym}} L{{xp}},{{y}} L{{x}},{{yp}} L{{xm}},{{y}} Z" fill="{DEADLINE_COLOUR}"/>',
            T["deadlines"].render(lang),
        )
    )
    entries.append(
        (
            f'<rect x="{{xm}}" y="{{ym}}" width="14" height="14" fill="{BREAK_FILL}" stroke="#767676"/>',
            T["break"].render(lang),
        )
    )
    entries.append(
        (
            f'<rect x="{{xm}}" y="{{ym}}" width="14" height="14" fill="{HOLIDAY_FILL}" stroke="#767676"/>',
            T["holiday"].render(lang),
        )
    )
    column_width = 440
    for i, (symbol, label) in enumerate(entries):
        cx = x + (i % 2) * column_width
        cy = y + (i // 2) * 34
        out.append(symbol.format(x=cx, y=cy, xm=cx - 7, ym=cy - 7, xp=cx + 7, yp=cy + 7))
        out.append(f'<text x="{cx + 18}" y="{cy + 6}">{escape(label)}</text>')
    rows = (len(entries) + 1) // 2
    out.append(
        f'<text x="{x - 7}" y="{y + rows * 34 + 10}" font-size="14">'
        f"{escape(T['week'].render(lang))}</text>"
    )
    out.append("</g>")
    return out


def _point(angle: float, radius: float) -> tuple[float, float]:
    rad = math.radians(angle - 90.0)
    return CX + radius * math.cos(rad), CY + radius * math.sin(rad)


def _text_at(angle: float, radius: float, text: str, size: int, weight: str = "normal") -> str:
    x, y = _point(angle, radius)
    return (
        f'<text x="{x:.1f}" y="{y + size * 0.35:.1f}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="middle" fill="{INK}">{escape(text)}</text>'
    )


def _text_along(angle: float, radius: float, text: str, size: int) -> str:
    """Bold text along the ring, turned so that it reads upright on both halves."""
    x, y = _point(angle, radius)
    turn = angle if angle <= 90 or angle >= 270 else angle - 180
    return (
        f'<text transform="translate({x:.1f} {y:.1f}) rotate({turn:.1f})" y="{size * 0.35:.1f}" '
        f'font-size="{size}" font-weight="bold" text-anchor="middle" fill="{INK}">'
        f"{escape(text)}</text>"
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_year(day: date, lang: Lang) -> str:
    return f"{MONTHS[lang][day.month - 1]} {day.year}"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]
