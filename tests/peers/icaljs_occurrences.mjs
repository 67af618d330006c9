// Every occurrence Mozilla's ical.js reads in iCalendar files, as JSON on stdout.
// Usage: node icaljs_occurrences.mjs ICAL_MODULE < ["a.ics", "b.ics", ...]
// Each row: [summary, start, end]; a timed value is Unix seconds, a date "YYYY-MM-DD".
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const ICAL = (await import(pathToFileURL(process.argv[2]).href)).default;
const files = JSON.parse(readFileSync(0, "utf8"));
const stop = ICAL.Time.fromJSDate(new Date("2100-01-01T00:00:00Z"), true);
const value = (t) => (t.isDate ? t.toString() : t.toUnixTime());
const rows = [];
for (const file of files) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const vevents = calendar.getAllSubcomponents("vevent");
  for (const master of vevents.filter((v) => !v.hasProperty("recurrence-id"))) {
    const event = new ICAL.Event(master);
    for (const other of vevents) {
      if (other.hasProperty("recurrence-id") && other.getFirstPropertyValue("uid") === event.uid) {
        event.relateException(new ICAL.Event(other));
      }
    }
    if (!event.isRecurring()) {
      rows.push([event.summary, value(event.startDate), value(event.endDate)]);
      continue;
    }
    const it = event.iterator();
    for (let next = it.next(); next && next.compare(stop) < 0; next = it.next()) {
      const d = event.getOccurrenceDetails(next);
      rows.push([d.item.summary, value(d.startDate), value(d.endDate)]);
    }
  }
}
process.stdout.write(JSON.stringify(rows));
