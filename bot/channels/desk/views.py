"""What the desk pages show, as plain values for the templates: aids with their status and reasons,
places with hours and open-now, search hits, and the printable summary in one or two languages.

Everything is computed from the catalogue, the parsed case and `now`; nothing is read from or written
to storage. Sentences come from the shared renderers (bot.rules.explain, bot.dialog.render) so the desk
says exactly what the chat says, in the language of the translator given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from babel import Locale
from markupsafe import Markup, escape

from bot.catalogue import Aid, Catalogue, Place
from bot.channels.desk.case import Case
from bot.channels.desk.papers import HouseholdPapers
from bot.channels.desk.search import CatalogueSearch
from bot.dialog.render import amount_text, open_text
from bot.dialog.text import fold
from bot.i18n import LANGUAGES, Translator, translator
from bot.places.hours import open_status
from bot.places.search import nearest
from bot.rules.conditions import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Reason
from bot.rules.explain import missing_label, reason_text
from bot.rules.facts import Facts
from bot.rules.screen import AidResult, screen

ACCUEIL = "accueil_solidarite"
NEAREST_ACCUEILS = 3
MAX_SUMMARY_PLACES = 2  # the nearest accueil and one place to apply: the summary must fit on one A4 page
SUMMARY_TICKS = 6  # the aids that weigh most, ticked by default; the others are one click away


@dataclass(frozen=True)
class PlaceView:
    id: str
    name: str
    address: str
    phone: str
    hours: str
    open_now: str
    open_state: str  # open | closed | unknown
    distance: str  # "1,2 km", "" when unknown
    verified: bool
    unverified: str


@dataclass(frozen=True)
class ReasonView:
    state: str  # ok | no | unknown
    text: str


@dataclass(frozen=True)
class AidView:
    id: str
    status: str  # eligible | unknown | not_eligible
    offered_key: str  # "id:status": how the summary checkbox remembers the counsellor's choice
    title: str  # plain words first
    official_name: str  # "" when the same as the title
    summary: str
    institution: str
    reasons: tuple[ReasonView, ...]
    missing: tuple[str, ...]
    amount: str
    amount_short: str  # without the catalogue's note: for the one-page summary
    amount_says_estimate: bool  # the text already says "estimation", or is words rather than a figure
    how: str
    online: str
    phone: str
    place: PlaceView | None
    documents: tuple[str, ...]
    conditions_text: tuple[str, ...]
    verified: bool
    unverified: str
    open_to_all: bool  # a service without machine-checked condition
    picked: bool  # in the printable summary


@dataclass
class Results:
    probable: list[AidView]
    to_check: list[AidView]
    open_to_all: list[AidView]
    not_eligible: list[AidView]
    accueils: list[PlaceView]
    located: bool  # accueils are the nearest to the place given, not the default one
    offered: str  # hidden form value: the "id:status:d" of every aid shown with a checkbox (d: ticked by default)
    hits: list[AidView] = field(default_factory=list)  # catalogue search, with this case's status

    @property
    def picked_count(self) -> int:
        return sum(1 for a in self.probable + self.to_check + self.open_to_all if a.picked)


@dataclass(frozen=True)
class SummaryColumn:
    lang: str
    dir: str  # ltr | rtl
    language_name: str
    t: Translator
    aids: list[AidView]
    documents: list[str]
    place_lead: str
    places: list[PlaceView]
    unverified: bool


@dataclass(frozen=True)
class Summary:
    columns: list[SummaryColumn]  # French first, then the person's language when another was chosen
    first_name: str
    note: str
    date: str
    empty: bool


def text_direction(lang: str) -> str:
    return "rtl" if Locale.parse(lang).text_direction == "rtl" else "ltr"


def place_view(place: Place, now: datetime, t: Translator, distance_m: int | None = None) -> PlaceView:
    address = ", ".join(part for part in (place.address, f"{place.postcode or ''} {place.commune}".strip()) if part)
    distance = ""
    if distance_m is not None:
        distance = (t._("À {distance} km.").format(distance=t.number(round(distance_m / 1000, 1)))
                    if distance_m >= 100 else "")
    return PlaceView(
        id=place.id, name=place.name, address=address, phone=place.phone or "",
        hours=t.k(place.hours_text) if place.hours_text else t._("Horaires à confirmer par téléphone."),
        open_now=open_text(place, now, t), open_state=open_status(place, now).state, distance=distance,
        verified=place.verified, unverified=place.unverified or "",
    )


def reason_words(reason: Reason, t: Translator, catalogue: Catalogue) -> str:
    """reason_text, also for reasons the chat never words: the desk shows every condition, even those
    still unknown, and bot.rules.explain cannot yet word a resources ceiling without the person's
    resources (KeyError on "value"). Then: the ceiling alone."""
    try:
        return reason_text(reason, t, catalogue)
    except (KeyError, TypeError, ValueError):
        params = reason.params
        if reason.code == "resources" and params.get("ceiling") is not None:
            rule = (t._("Le plafond pour votre foyer est de {ceiling} par an.") if params.get("period") == "year"
                    else t._("Le plafond pour votre foyer est de {ceiling} par mois."))
            return rule.format(ceiling=t.money(round(params["ceiling"], 2)))
        return reason_text(Reason(reason.code, reason.status, {}), t, catalogue)


def _reason_state(status: str) -> str:
    return {ELIGIBLE: "ok", NOT_ELIGIBLE: "no"}.get(status, "unknown")


def aid_view(result: AidResult, t: Translator, catalogue: Catalogue, now: datetime, picked: bool) -> AidView:
    aid = result.aid
    title = t.k(aid.title)
    official = t.k(aid.name) if aid.plain_name and aid.plain_name != aid.name else ""
    place = catalogue.places.get(aid.apply.place) if aid.apply.place else None
    return AidView(
        id=aid.id, status=result.status, offered_key=f"{aid.id}:{result.status}", title=title,
        official_name=official, summary=t.k(aid.summary), institution=aid.institution,
        reasons=tuple(ReasonView(_reason_state(r.status), reason_words(r, t, catalogue)) for r in result.reasons),
        missing=tuple(missing_label(key, t) for key in sorted(result.missing)),
        amount=amount_text(result, t) if result.status != NOT_ELIGIBLE else "",
        amount_short=_short_amount(result, t),
        amount_says_estimate=bool(result.amount and (result.amount.text or result.amount.estimate)),
        how=t.k(aid.apply.how) if aid.apply.how else "", online=aid.apply.online, phone=aid.apply.phone,
        place=place_view(place, now, t) if place else None,
        documents=tuple(t.k(d) for d in aid.documents),
        conditions_text=tuple(t.k(c) for c in aid.conditions_text),
        verified=aid.verified, unverified=aid.unverified, open_to_all=not aid.conditions, picked=picked,
    )


def _short_amount(result: AidResult, t: Translator) -> str:
    if result.amount is None or result.status == NOT_ELIGIBLE:
        return ""
    if result.amount.text:  # a text amount is all note ("Gratuit.", "Décidé au cas par cas.")
        return amount_text(result, t)
    return amount_text(replace(result, amount=replace(result.amount, note="")), t)


def _picked(result: AidResult, case: Case, heaviest: set[str]) -> bool:
    """Ticked for the summary: the counsellor's choice while the aid keeps its status; otherwise the
    probable rights that weigh most (`heaviest`), so the summary fits on one page."""
    key = f"{result.aid.id}:{result.status}"
    ticked = result.aid.id in case.picks
    # A box the counsellor changed keeps the counsellor's choice; one left as it was follows the
    # default, which moves as answers come (a new heavier right takes the place of a lighter one).
    if f"{key}:1" in case.offered and not ticked:
        return False
    if f"{key}:0" in case.offered and ticked:
        return True
    if key in case.offered:  # a page of before the default was sent along
        return ticked
    return result.aid.id in heaviest


def _monthly(result: AidResult) -> float:
    """What the right brings in a month (0 when it is not a sum of money): the weight of an aid."""
    amount = result.amount
    if amount is None:
        return 0.0
    figure = amount.value if amount.value is not None else (amount.max or 0.0)
    return float(figure) / (12 if amount.period == "year" else 1)


def _weight(result: AidResult) -> tuple[bool, float, str]:
    """Sort key: rights that pay first, the largest first; then the others in the catalogue's order."""
    monthly = _monthly(result)
    return (monthly <= 0, -monthly, result.aid.id)


def _pays(result: AidResult) -> bool:
    return _monthly(result) > 0


def accueils_for(case: Case, catalogue: Catalogue, now: datetime, t: Translator) -> tuple[list[PlaceView], bool]:
    """The nearest accueils to the place typed, or the CCAS when no place was recognised."""
    if case.location is not None:
        found = nearest(catalogue.places, case.location.lat, case.location.lon, kinds=(ACCUEIL,),
                        limit=NEAREST_ACCUEILS)
        if found:
            return [place_view(n.place, now, t, n.distance_m) for n in found], True
    # Where to go when the person gave no place: the territory's default accueil, as in the engine.
    default = (catalogue.places.get(catalogue.territory.default_accueil)
               or next(p for p in catalogue.places.values() if p.kind == ACCUEIL))
    return [place_view(default, now, t)], False


def build_results(catalogue: Catalogue, case: Case, now: datetime, search: CatalogueSearch | None = None,
                  t: Translator | None = None) -> Results:
    t = t or translator("fr")
    results = screen(catalogue, case.profile, now.date())
    by_id = {r.aid.id: r for r in results}
    ranked = sorted(results, key=_weight)
    heaviest = {r.aid.id for r in [r for r in ranked if r.status == ELIGIBLE and r.aid.conditions][:SUMMARY_TICKS]}
    views = {r.aid.id: aid_view(r, t, catalogue, now, _picked(r, case, heaviest)) for r in results}
    # Rights that pay most first, then the others; screen() already sorted by status and id.
    probable = [views[r.aid.id] for r in ranked if r.status == ELIGIBLE and r.aid.conditions]
    to_check = [views[r.aid.id] for r in sorted(results, key=lambda r: not _pays(r)) if r.status == UNKNOWN]
    open_to_all = [views[r.aid.id] for r in results if r.status == ELIGIBLE and not r.aid.conditions]
    not_eligible = [views[r.aid.id] for r in results if r.status == NOT_ELIGIBLE]
    accueils, located = accueils_for(case, catalogue, now, t)
    offered = ",".join(f"{v.offered_key}:{int(v.id in heaviest)}" for v in probable + to_check + open_to_all)
    hits = []
    if search is not None and case.query:
        hits = [views[h.aid.id] for h in search.find(case.query) if h.aid.id in by_id]
    return Results(probable, to_check, open_to_all, not_eligible, accueils, located, offered, hits)


def _document_key(text: str) -> str:
    return fold(text).strip().rstrip(".").strip()


def documents_to_bring(aids: list[Aid], papers: HouseholdPapers | None = None, profile: dict[str, Any] | None = None,
                       today: date | None = None) -> list[str]:
    """The papers of the ticked aids as one list, each paper once, in the order the aids come.

    Compared in French (the catalogue's words), so every column lists the same papers. A paper whose
    wording begins another's ("Une pièce d'identité." and "Une pièce d'identité ou un titre de séjour.")
    is the same paper: the longer, more precise wording is kept, where the first of them stood."""
    facts = Facts(profile or {})
    texts = list(dict.fromkeys(d for aid in aids for d in aid.documents
                               if papers is None or today is None or papers.applies(aid.id, d, facts, today)))
    keys = {text: _document_key(text) for text in texts}

    def covered_by(text: str, other: str) -> bool:
        short, long = keys[text], keys[other]
        return len(long) > len(short) and long.startswith(short) and not long[len(short)].isalnum()

    kept: list[str] = []
    for text in texts:
        wider = [other for other in texts if covered_by(text, other)]
        chosen = max(wider, key=lambda other: len(keys[other])) if wider else text
        if chosen not in kept:
            kept.append(chosen)
    return kept


def build_summary(catalogue: Catalogue, case: Case, now: datetime, papers: HouseholdPapers | None = None) -> Summary:
    """The printable summary: the ticked aids, the documents (each once), where to go, in French and,
    when another language was chosen, side by side in that language."""
    languages = ["fr"] + ([case.lang] if case.lang != "fr" else [])
    french = build_results(catalogue, case, now)
    picked_ids = [v.id for v in french.probable + french.to_check + french.open_to_all if v.picked]
    results = {r.aid.id: r for r in screen(catalogue, case.profile, now.date(), picked_ids)}
    french_documents = documents_to_bring([catalogue.aids[aid_id] for aid_id in picked_ids],
                                          papers or HouseholdPapers.load(catalogue), case.profile, now.date())
    columns = []
    for lang in languages:
        t = translator(lang)
        aids = [aid_view(results[aid_id], t, catalogue, now, True) for aid_id in picked_ids]
        documents = list(dict.fromkeys(t.k(d) for d in french_documents))
        accueils, located = accueils_for(case, catalogue, now, t)
        places = accueils[:1]
        for aid_id in picked_ids:
            place_id = catalogue.aids[aid_id].apply.place
            place = catalogue.places.get(place_id) if place_id else None
            if place and place.id not in {p.id for p in places} and len(places) < MAX_SUMMARY_PLACES:
                places.append(place_view(place, now, t))
        lead = t._("L'accueil le plus proche de vous :") if located else t._("Un accueil où l'on peut vous aider :")
        columns.append(SummaryColumn(
            lang=lang, dir=text_direction(lang), language_name=LANGUAGES[lang], t=t, aids=aids,
            documents=documents, place_lead=lead, places=places,
            unverified=any(not a.verified for a in aids) or any(not p.verified for p in places)))
    return Summary(columns=columns, first_name=case.first_name, note=case.note,
                   date=translator("fr").date(now.date(), "d MMMM y"), empty=not picked_ids)


# A run of digits in groups ("02 40 99 27 00", "44300"), a phone with its country code, a time range:
# inside a right-to-left sentence, the groups would be laid out from right to left.
_DIGIT_RUN = re.compile(r"\+?\d+(?:[ .\u00a0\u202f:/-]\d+)+|\+\d+")


def bidi(text: str) -> Markup:
    """The text, escaped, with each run of digits isolated left-to-right (<bdi dir="ltr">), so a phone
    number in an Arabic, Dari or Pashto sentence keeps its order. Harmless in a left-to-right text."""
    escaped = str(escape(text))
    return Markup(_DIGIT_RUN.sub(lambda m: f'<bdi dir="ltr">{m.group(0)}</bdi>', escaped))


def with_ltr(sentence: str, **values: str) -> Markup:
    """A translated sentence with placeholders ("Tél. {phone}") filled with isolated left-to-right values."""
    return Markup(escape(sentence).format(**{name: Markup('<bdi dir="ltr">{}</bdi>').format(value)
                                             for name, value in values.items()}))
