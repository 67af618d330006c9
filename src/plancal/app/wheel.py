"""The årshjul as a file: SVG as drawn, PNG and PDF through CairoSVG (the ``pictures`` extra)."""

from __future__ import annotations

from pathlib import Path

from plancal.app.output import write_output
from plancal.calendars import wheel
from plancal.calendars.feeds import Feed, feeds_for
from plancal.errors import UserError
from plancal.i18n import Lang, Text, msg
from plancal.rules.compile import Schedule

FORMATS = (".svg", ".png", ".pdf")


def feed_named(schedule: Schedule, slug: str) -> Feed:
    feeds = {f.slug: f for f in feeds_for(schedule.plan)}
    if slug not in feeds:
        raise UserError(
            msg(Text("no feed {slug!r} in this plan", "inget flöde {slug!r} i planen"), slug=slug),
            msg(Text("choose one of: {known}", "välj något av: {known}"), known=", ".join(feeds)),
        )
    return feeds[slug]


def write(
    schedule: Schedule, out: Path, feed: str = "plan", lang: Lang = "sv", year: int | None = None
) -> int:
    """Draw the wheel of one plan year into ``out`` (its suffix picks the format); the size."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(
            msg(Text("cannot draw into {file}", "kan inte rita till {file}"), file=str(out)),
            Text("name the file .svg, .png or .pdf", "ge filen ändelsen .svg, .png eller .pdf"),
        )
    svg = wheel.render(schedule, feed_named(schedule, feed), lang, year).encode("utf-8")
    data = svg if suffix == ".svg" else _convert(svg, suffix)
    write_output(out, data)
    return len(data)


def _convert(svg: bytes, suffix: str) -> bytes:
    try:
        import cairosvg
    except (ImportError, OSError):  # OSError: the package is there, the cairo library is not
        raise UserError(
            Text(
                "PNG and PDF need CairoSVG and the cairo library",
                "PNG och PDF kräver CairoSVG och biblioteket cairo",
            ),
            Text(
                "install them: pip install 'plancal[pictures]' (and apt-get install libcairo2), "
                "or write .svg",
                "installera dem: pip install 'plancal[pictures]' (och apt-get install libcairo2), "
                "eller skriv .svg",
            ),
        ) from None
    if suffix == ".png":
        data: bytes = cairosvg.svg2png(bytestring=svg, output_width=2000)
    else:
        data = cairosvg.svg2pdf(bytestring=svg)
    return data
