"""The figures of a period, read from the anonymous counters, with small counts suppressed.

    figures = read_figures(database, since, until, catalogue)
    figures.tables        # [Table("Conversations par canal", [Row("telegram", 42, "42"), ...]), ...]
    figures.weeks         # weekly conversations per channel, for the chart

Privacy by construction: counters only (no per-person row exists to read), the quartier is the finest
place, and every cell under SMALL reads "< 5" wherever it is shown (page, CSV, `aiguillage stats`).
A completion rate is given only when both counts behind it are shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.i18n import LANGUAGES
from bot.stats import events as ev
from bot.storage.database import Database
from bot.storage.models import UsageCounter

SMALL = 5
SUPPRESSED = "< 5"
UNKNOWN_QUARTIER = "(quartier non donné)"


def shown(count: int) -> str:
    """A count as it may be shown: "< 5" under SMALL."""
    return SUPPRESSED if count < SMALL else str(count)


@dataclass(frozen=True)
class Row:
    key: str  # a stable id (channel, language code, aid id...)
    label: str  # for people
    count: int  # never shown as is: read `value`

    @property
    def value(self) -> str:
        return shown(self.count)

    @property
    def suppressed(self) -> bool:
        return self.count < SMALL


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Week:
    start: date  # Monday
    counts: dict[str, int]  # channel -> conversations started


@dataclass(frozen=True)
class Figures:
    since: date
    until: date
    tables: list[Table]
    weeks: list[Week]
    channels: list[str]
    # The follow-up answers as a grid: (aid label, one Row per answer of events.ANSWERS).
    follow_up_grid: list[tuple[str, list[Row]]] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def as_json(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "tables": {t.key: {row.key: row.value for row in t.rows} for t in self.tables},
                "weeks": [{"week": w.start.isoformat(), **{c: shown(n) for c, n in w.counts.items()}}
                          for w in self.weeks]}


# Section titles (French: the CCAS's language); the keys are what --json and the CSV carry.
TITLES = {
    "channels": "Conversations par canal",
    "languages": "Conversations par langue",
    "needs": "Besoins choisis",
    "emergencies": "Urgences signalées, par type",
    "aids": "Aides montrées comme probables",
    "quartiers": "Aides montrées, par quartier",
    "accueils": "Accueils indiqués",
    "journey": "Parcours",
    "followup": "Suivi à 4 semaines, réponses par aide",
}
JOURNEY = {"started": "Conversations commencées", "results": "Arrivées aux résultats",
           "completion": "Part arrivée aux résultats", "handovers": "Dossiers repris au bureau (code)",
           "followup_accepted": "Suivis acceptés", "followup_sent": "Suivis envoyés"}
ANSWER_LABELS = {ev.CLAIMED: "Demandée", ev.NOT_YET: "Pas encore", ev.REFUSED: "Refusée",
                 ev.HELP_WANTED: "Besoin d'aide"}


def read_figures(database: Database, since: date, until: date, catalogue: Any = None) -> Figures:
    query = (select(UsageCounter.day, UsageCounter.channel, UsageCounter.event, UsageCounter.quartier,
                    UsageCounter.aid_id, func.sum(UsageCounter.count))
             .where(UsageCounter.day >= since, UsageCounter.day <= until)
             .group_by(UsageCounter.day, UsageCounter.channel, UsageCounter.event, UsageCounter.quartier,
                       UsageCounter.aid_id))
    with database.transaction() as session:
        found = [(d, c, e, q, k, int(n or 0)) for d, c, e, q, k, n in session.execute(query)]
    return build_figures(found, since, until, catalogue)


def build_figures(found: list[tuple[date, str, str, str, str, int]], since: date, until: date,
                  catalogue: Any = None) -> Figures:
    names = _Names(catalogue)
    by: dict[str, Counter[str]] = defaultdict(Counter)
    weekly: dict[date, Counter[str]] = defaultdict(Counter)
    answers: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    answer_of = {event: answer for answer, event in ev.FOLLOWUP_ANSWER.items()}
    for day, channel, event, quartier, key, n in found:
        totals[event] += n
        if event == ev.STARTED:
            by["channels"][channel] += n
            weekly[day - timedelta(days=day.weekday())][channel] += n
        elif event == ev.LANGUAGE:
            by["languages"][key] += n
        elif event == ev.NEED:
            by["needs"][key] += n
        elif event == ev.EMERGENCY:
            by["emergencies"][key] += n
        elif event == ev.AID_SHOWN:
            by["aids"][key] += n
            by["quartiers"][quartier or UNKNOWN_QUARTIER] += n
        elif event == ev.ACCUEIL:
            by["accueils"][key] += n
        elif event in answer_of:
            answers[(key, answer_of[event])] += n
    label: dict[str, Callable[[str], str]] = {"channels": names.channel, "languages": names.language, "needs": names.need,
             "emergencies": names.emergency, "aids": names.aid, "quartiers": str, "accueils": names.place}
    tables = [Table(k, TITLES[k], [Row(key, label[k](key), n) for key, n in _ordered(by[k])]) for k in label]
    started, reached = totals[ev.STARTED], totals[ev.RESULTS]
    completion = (f"{round(100 * reached / started)} %" if started >= SMALL and reached >= SMALL else "—")
    journey = [Row("started", JOURNEY["started"], started), Row("results", JOURNEY["results"], reached),
               _Rate("completion", JOURNEY["completion"], started, completion),
               Row("handovers", JOURNEY["handovers"], totals[ev.HANDOVER_PICKED_UP]),
               Row("followup_accepted", JOURNEY["followup_accepted"], totals[ev.FOLLOWUP_ACCEPTED]),
               Row("followup_sent", JOURNEY["followup_sent"], totals[ev.FOLLOWUP_SENT])]
    tables.insert(0, Table("journey", TITLES["journey"], journey))
    follow = [Row(f"{aid}:{answer}", f"{names.aid(aid)} — {ANSWER_LABELS[answer]}", n)
              for (aid, answer), n in sorted(answers.items(), key=lambda item: (names.aid(item[0][0]),
                                                                                ev.ANSWERS.index(item[0][1])))]
    tables.append(Table("followup", TITLES["followup"], follow))
    grid = [(names.aid(aid), [Row(f"{aid}:{answer}", ANSWER_LABELS[answer], answers[(aid, answer)])
                              for answer in ev.ANSWERS])
            for aid in sorted({aid for aid, _ in answers}, key=names.aid)]
    channels = sorted(by["channels"])
    weeks = []
    monday = since - timedelta(days=since.weekday())
    while monday <= until:
        weeks.append(Week(monday, {c: weekly[monday][c] for c in channels}))
        monday += timedelta(days=7)
    return Figures(since, until, tables, weeks, channels, grid)


@dataclass(frozen=True)
class _Rate(Row):
    text: str = ""

    @property
    def value(self) -> str:
        return self.text

    @property
    def suppressed(self) -> bool:
        return self.text == "—"


def _ordered(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


class _Names:
    """Labels for ids, from the catalogue when there is one (else the id itself)."""

    def __init__(self, catalogue: Any) -> None:
        self._catalogue = catalogue

    def channel(self, key: str) -> str:
        return {"telegram": "Telegram", "sms": "SMS", "desk": "Bureau", "console": "Terminal"}.get(key, key)

    def language(self, key: str) -> str:
        return LANGUAGES.get(key, key)

    def need(self, key: str) -> str:
        need = self._catalogue.need(key) if self._catalogue is not None else None
        return str(getattr(need, "label", None) or getattr(need, "title", None) or key)

    def emergency(self, key: str) -> str:
        for item in getattr(self._catalogue, "emergencies", ()) or ():
            if item.id == key:
                return str(getattr(item, "title", None) or getattr(item, "label", None) or key)
        return key

    def aid(self, key: str) -> str:
        aid = (getattr(self._catalogue, "aids", None) or {}).get(key)
        # The official name ("RSA"): what the CCAS's staff use, and short enough for a chart's label.
        return str(getattr(aid, "name", None) or key) if key else "(aide non précisée)"

    def place(self, key: str) -> str:
        place = (getattr(self._catalogue, "places", None) or {}).get(key)
        return str(getattr(place, "name", None) or key)
