# mypy: ignore-errors
# (runs under Debian's python3 with PyGObject, which has no type stubs in the venv)
"""Every occurrence libical (Evolution's parser) reads in iCalendar files, as JSON on stdout.

Run with Debian's Python (``/usr/bin/python3``, which has PyGObject and gir1.2-ical-3.0), not
the project's venv: ``/usr/bin/python3 libical_occurrences.py < ["a.ics", ...]``. Each row is
[summary, start, end]: a timed value in Unix seconds, a date as "YYYY-MM-DD".

libical expands a master's RRULE and EXDATEs (``icalcomponent_foreach_recurrence``); like
Evolution, this script puts each RECURRENCE-ID override in place of the instance it names.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I  # noqa: E402

START = I.Time.new_from_string("20000101T000000Z")
STOP = I.Time.new_from_string("21000101T000000Z")


def day(t):
    text = t.as_ical_string()
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"


def main():
    rows = []
    for path in json.load(sys.stdin):
        with open(path, encoding="utf-8") as f:
            calendar = I.Component.new_from_string(f.read())
        events = []
        comp = calendar.get_first_component(I.ComponentKind.VEVENT_COMPONENT)
        while comp is not None:
            events.append(comp)
            comp = calendar.get_next_component(I.ComponentKind.VEVENT_COMPONENT)
        overrides = {}
        for e in events:
            rid = e.get_recurrenceid()
            if not rid.is_null_time():
                # get_recurrenceid() leaves the TZID unresolved: look it up in the calendar.
                prop = e.get_first_property(I.PropertyKind.RECURRENCEID_PROPERTY)
                tzid = prop.get_parameter_as_string("TZID")
                zone = (calendar.get_timezone(tzid) if tzid else None) or (
                    I.Timezone.get_utc_timezone()
                )
                key = day(rid) if rid.is_date() else rid.as_timet_with_zone(zone)
                overrides.setdefault(e.get_uid(), set()).add(key)
        for e in events:
            summary = e.get_summary()
            start = e.get_dtstart()
            if (
                not e.get_recurrenceid().is_null_time()
                or e.get_first_property(I.PropertyKind.RRULE_PROPERTY) is None
            ):
                if start.is_date():
                    rows.append([summary, day(start), day(e.get_dtend())])
                else:
                    utc = I.Timezone.get_utc_timezone()
                    s = start.as_timet_with_zone(start.get_timezone() or utc)
                    end = e.get_dtend()
                    rows.append([summary, s, end.as_timet_with_zone(end.get_timezone() or utc)])
                continue
            skip = overrides.get(e.get_uid(), set())
            length = None
            if start.is_date():
                end = e.get_dtend()
                length = end.as_timet() - start.as_timet()

            def each(
                component, span, _data, summary=summary, start=start, length=length, skip=skip
            ):
                if start.is_date():
                    first = I.Time.new_from_timet_with_zone(span.get_start(), 1, None)
                    last = I.Time.new_from_timet_with_zone(span.get_start() + length, 1, None)
                    if day(first) not in skip:
                        rows.append([summary, day(first), day(last)])
                elif span.get_start() not in skip:
                    rows.append([summary, span.get_start(), span.get_end()])

            e.foreach_recurrence(START, STOP, each, None)
    json.dump(rows, sys.stdout)


main()
