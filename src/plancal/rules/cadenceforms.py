"""Every form of the "när" language, with what plancal makes of it and examples: the reference
(docs/planformat.md) lists them, ``cadence`` suggests the nearest one when it cannot read the
words, and a test parses every example, so the reference never promises a phrase the parser
refuses."""

from __future__ import annotations

from dataclasses import dataclass

from plancal.i18n import Text


@dataclass(frozen=True, slots=True)
class Form:
    """One kind of phrase: what it is called, what plancal makes of it, and examples that the
    parser accepts (a test parses each; docs/planformat.md lists them)."""

    title: Text
    meaning: Text
    examples: tuple[str, ...]


FORMS: tuple[Form, ...] = (
    Form(
        Text("Every week, or every other week", "Varje vecka eller varannan vecka"),
        Text(
            "A weekly series. Without a weekday in the words, on the activity's `weekday` (else "
            "the plan's `defaults.weekday`); without a time, at `time` (else `defaults.time`). "
            "Every other week counts from the first such weekday on or after the plan's (or "
            "activity's) first day; days count in whole weeks (14 days is every other week).",
            "En veckoserie. Står ingen veckodag i orden gäller aktivitetens `weekday` (annars "
            "planens `defaults.weekday`); står ingen tid gäller `time` (annars `defaults.time`). "
            "Varannan vecka räknas från den första sådana veckodagen från planens (eller "
            "aktivitetens) första dag; dagar räknas i hela veckor (14 dagar är varannan vecka).",
        ),
        (
            "Varje måndag kl. 14.00",
            "Varannan tisdag kl. 9-10",
            "Måndagar och torsdagar kl. 13",
            "Var 3:e vecka på onsdag kl. 10.00",
            "Varje vecka",
            "En gång i veckan",
            "Varje vecka på onsdagar 13.00",
            "Varannan vecka",
            "Var fjortonde dag",
            "Var 14:e dag kl. 10.00",
            "Tisdagar varannan vecka kl. 9",
            "every Monday 14:00-15:00",
            "every other Friday at 8:30 for 45 minutes",
            "every week",
            "every other week on Thursday at 10:00",
            "fortnightly",
        ),
    ),
    Form(
        Text("Once a month", "En gång i månaden"),
        Text(
            "A monthly series on the nth weekday the words name; without one, on the activity's "
            "(else the plan's) `week` and `weekday`.",
            "En månadsserie den n:te veckodag orden anger; anger de ingen, aktivitetens (annars "
            "planens) `week` och `weekday`.",
        ),
        (
            "Första måndagen varje månad",
            "Första måndagen i varje månad",
            "Sista torsdagen varje månad",
            "Sista fredagen i månaden kl. 10.00",
            "Andra onsdagen i varje månad kl. 13.00",
            "1 ggr/månad",
            "Varje månad",
            "En gång i månaden",
            "Månadsvis",
            "first Monday of every month at 9:00",
            "the last Thursday of the month",
            "monthly",
        ),
    ),
    Form(
        Text("Once a year, on a weekday of a month", "En gång om året, en veckodag i en månad"),
        Text(
            "A yearly series on the nth weekday of that month.",
            "En årsserie den n:te veckodagen i den månaden.",
        ),
        (
            "Första tisdagen i oktober kl. 18.00",
            "Sista fredagen i maj",
            "the second Thursday in March at 18:00",
        ),
    ),
    Form(
        Text(
            "N times a year (spread over the months; weekday and week from the plan)",
            "N gånger om året (sprids över månaderna; veckodag och vecka från planen)",
        ),
        Text(
            "N meetings a year in fixed months (4: February, May, September, November — one a "
            "quarter; 3: February, June, November — one a tertial; 2: March and October — one a "
            "term), on the activity's (else the plan's) `week` and `weekday`. Per quarter, "
            "tertial, term or half year counts as 4, 3, 2 and 2 a year; 'about' and 'at least' "
            "plan that many; a range (4–6) plans its lower bound, the plan's promise — add more "
            "with `plancal add`.",
            "N möten om året i fasta månader (4: februari, maj, september, november – ett per "
            "kvartal; 3: februari, juni, november – ett per tertial; 2: mars och oktober – ett "
            "per termin), aktivitetens (annars planens) `week` och `weekday`. Per kvartal, "
            "tertial, termin eller halvår räknas som 4, 3, 2 och 2 om året; 'cirka' och 'minst' "
            "planerar så många; ett intervall (4–6) planerar det lägsta, planens löfte – fler "
            "läggs till med `plancal add`.",
        ),
        (
            "11 ggr/år",
            "Minst 3 ggr/år",
            "2 gånger/år kl. 13.00",
            "Cirka fyra gånger per år",
            "Ca 4 ggr per år",
            "Vid minst tre tillfällen per år",
            "4–6 gånger per år",
            "Tolv gånger per år",
            "Kvartalsvis",
            "Varje kvartal",
            "En gång per kvartal",
            "Per tertial",
            "Varje termin",
            "Halvårsvis",
            "Varannan månad",
            "5 times a year",
            "about four times a year",
            "at least three times a year",
            "quarterly",
            "every quarter",
            "twice a year",
        ),
    ),
    Form(
        Text("One dated meeting", "Ett möte på ett datum"),
        Text(
            "One meeting on that date, at the time in the words (else `time`). A weekday that "
            "disagrees with the date is an error, and so is a date without a year. Figures are "
            "day first (8/3 2023 is 8 March), or ISO (2023-03-08).",
            "Ett möte det datumet, på tiden i orden (annars `time`). En veckodag som inte "
            "stämmer med datumet är ett fel, liksom ett datum utan år. Siffror läses dag först "
            "(8/3 2023 är 8 mars), eller ISO (2023-03-08).",
        ),
        (
            "Onsdag den 8 mars 2023, klockan 15:30",
            "Den 7 mars 2023 kl. 15.30",
            "7 mars 2023 kl. 15.30–17.00",
            "Onsdag 8/3 2023 kl. 15.30",
            "2023-03-08 kl. 15.30",
            "7 March 2023 at 15:30",
            "Wednesday, March 8, 2023 at 3:30 pm",
        ),
    ),
    Form(
        Text("A cadence within a period", "En rytm inom en period"),
        Text(
            "A weekly, monthly or N-a-year cadence followed by a period (the periods of the "
            "last section) runs only within it, as if `from` and `until` said so.",
            "En vecko-, månads- eller N-ggr/år-rytm följd av en period (perioderna i sista "
            "avsnittet) gäller bara inom den, som om `from` och `until` sade det.",
        ),
        (
            "Varannan vecka under hösten 2022",
            "Varje måndag kl. 14.00 under våren 2023",
            "4 ggr/år under 2023",
            "every other week during autumn 2022",
        ),
    ),
    Form(
        Text("Exact (an RFC 5545 rule)", "Exakt (en regel enligt RFC 5545)"),
        Text(
            "The rule as written, from the plan's (or activity's) first day.",
            "Regeln som den står, från planens (eller aktivitetens) första dag.",
        ),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=15"),
    ),
    Form(
        Text(
            "No fixed time: listed in the agenda, never made into meetings",
            "Utan fast tid: listas i agendan, blir aldrig möten",
        ),
        Text(
            "Listed among the activities without fixed time. A period bounds it: a year; spring "
            "(January–June), summer (June–August), autumn (August–December); a half year, "
            "quarter, tertial or month; a school year (August–June) or winter (December–"
            "February) with both years. The agenda lists it only within that period.",
            "Listas bland aktiviteterna utan fast tid. En period avgränsar den: ett år; våren "
            "(januari–juni), sommaren (juni–augusti), hösten (augusti–december); ett halvår, "
            "kvartal, tertial eller en månad; ett läsår (augusti–juni) eller en vinter "
            "(december–februari) med båda åren. Agendan listar den bara inom perioden.",
        ),
        (
            "Behovsanpassat",
            "Vid behov",
            "När behov uppstår",
            "Löpande under året",
            "Under 2023",
            "Under våren 2023",
            "Hösten 2022",
            "Första halvåret 2023",
            "Andra kvartalet 2023",
            "Mars–maj 2023",
            "Läsåret 2022/2023",
            "Löpande under hösten 2022",
            "as needed",
            "ongoing",
            "spring 2023",
            "during the autumn of 2022",
        ),
    ),
)

# The older shape of the list above, (title, examples) per form, for callers that read it.
PHRASES: tuple[tuple[Text, tuple[str, ...]], ...] = tuple((f.title, f.examples) for f in FORMS)
