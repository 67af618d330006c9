"""The printable year plan: the pages of ``calendars.yearplan`` as one PDF (CairoSVG, pypdf)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from plancal.app.output import write_output
from plancal.calendars import yearplan
from plancal.errors import UserError
from plancal.i18n import Lang, Text, msg
from plancal.rules.compile import Schedule

MISSING = (
    Text(
        "the printed year plan needs CairoSVG, pypdf and the cairo library",
        "den utskrivbara årsplanen kräver CairoSVG, pypdf och biblioteket cairo",
    ),
    Text(
        "install them: pip install 'plancal[pictures]' (and apt-get install libcairo2)",
        "installera dem: pip install 'plancal[pictures]' (och apt-get install libcairo2)",
    ),
)


def write(
    schedule: Schedule,
    out: Path,
    first: date | None = None,
    last: date | None = None,
    lang: Lang = "sv",
) -> int:
    """Print the plan from ``first`` to ``last`` (default: its period) into ``out``; pages."""
    plan = schedule.plan
    first, last = first or plan.start, last or plan.end
    if out.suffix.lower() != ".pdf":
        raise UserError(
            msg(Text("cannot print into {file}", "kan inte skriva ut till {file}"), file=str(out)),
            Text("name the file .pdf", "ge filen ändelsen .pdf"),
        )
    if last < first:
        raise UserError(
            msg(
                Text("--to {last} is before --from {first}", "--to {last} är före --from {first}"),
                first=first.isoformat(),
                last=last.isoformat(),
            ),
            Text("give the first day first", "ange den första dagen först"),
        )
    try:
        import cairosvg
        from pypdf import PdfWriter
    except (ImportError, OSError):
        raise UserError(*MISSING) from None
    pages = yearplan.pages(schedule, first, last, lang)
    writer = PdfWriter()
    for svg in pages:
        writer.append(io.BytesIO(cairosvg.svg2pdf(bytestring=svg.encode("utf-8"))))
    writer.add_metadata({"/Title": plan.name, "/Creator": "plancal"})
    buffer = io.BytesIO()
    writer.write(buffer)
    write_output(out, buffer.getvalue())
    return len(pages)
