"""Channel-neutral replies in words: questions, aids, places, emergencies, results."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from bot.catalogue import Catalogue, Place
from bot.catalogue.questions import Emergency, Question
from bot.dialog.messages import SKIP, AidItem, Choice, EmergencyItem, Expect, PlaceCard, QuestionItem, Reply
from bot.i18n import Translator
from bot.rules.conditions import ELIGIBLE
from bot.rules.explain import MARKS, missing_label, reason_text
from bot.rules.screen import AidResult

if TYPE_CHECKING:
    from bot.dialog.outcome import Outcome
    from bot.rules.amounts import Estimate


def expects(question: Question) -> Expect:
    return cast(Expect, question.type)  # the question types are answer kinds (bot.catalogue.questions)


def question_choices(question: Question, t: Translator) -> tuple[Choice, ...]:
    if question.type == "boolean":
        choices = [Choice("yes", t._("Oui")), Choice("no", t._("Non"))]
    elif question.type == "ages":
        choices = [Choice("none", t._("Pas d'enfant à charge"))]
    else:
        choices = [Choice(c.value, t.k(c.label)) for c in question.choices]
    if question.sensitive:
        choices.append(Choice(SKIP, t._("Je préfère ne pas répondre")))
    elif question.type == "location":
        choices.append(Choice(SKIP, t._("Passer")))
    else:
        choices.append(Choice(SKIP, t._("Je ne sais pas")))
    return tuple(choices)


def question_reply(question: Question, t: Translator, lead: str = "") -> Reply:
    prompt = t.k(question.prompt)
    example = t.k(question.example) if question.type in ("integer", "money", "ages", "location") else ""
    text = prompt + ("\n" + example if example else "")
    if lead:
        text = lead + "\n" + text
        prompt = lead + "\n" + prompt
    choices = question_choices(question, t)
    return Reply("question", text, choices, expects=expects(question), data={"question": question.id},
                 question=QuestionItem(question.id, prompt, example, _count(choices)))


def _count(choices: tuple[Choice, ...]) -> int:
    return sum(1 for choice in choices if choice.value != SKIP)


def reprompt_reply(question: Question, t: Translator, tries: int, problem: str) -> Reply:
    if tries <= 1:
        lead = {
            "range": t._("Ce nombre ne me semble pas possible."),
            "several": t._("J'ai vu plusieurs nombres. Écrivez-en un seul, s'il vous plaît."),
            "count_only": t._("Merci. Écrivez maintenant l'âge de chaque enfant."),
        }.get(problem, t._("Je n'ai pas bien compris."))
        if question.type in ("choice", "boolean"):
            # The list is on the screen already: one short line, not the list again.
            text = lead + " " + t._("Répondez par un numéro de 1 à {n}.").format(
                n=_count(question_choices(question, t)))
        else:
            text = lead + "\n" + t.k(question.example)
    elif question.type in ("choice", "boolean"):
        text = t._("Pas de souci, essayons autrement. Répondez avec un numéro : 1, 2, 3… "
                   "Ou 0 si vous ne savez pas.")
    elif question.type == "ages":
        text = t._("Pas de souci, essayons autrement. Écrivez l'âge de chaque enfant, par exemple : 4 et 9. "
                   "Ou écrivez « non » si vous n'avez pas d'enfant à charge.")
    elif question.type == "location":
        text = t._("Pas de souci, essayons autrement. Écrivez le nom de votre quartier ou de votre commune, "
                   "ou votre code postal. Ou écrivez « passer ».")
    else:
        text = t._("Pas de souci, essayons autrement. Écrivez seulement des chiffres. "
                   "Ou écrivez « je ne sais pas » pour passer.")
    choices = question_choices(question, t)
    return Reply("reprompt", text, choices, expects=expects(question), data={"question": question.id},
                 question=QuestionItem(question.id, text, "", _count(choices)))


def amount_text(result: AidResult, t: Translator, with_note: bool = True) -> str:
    estimate = result.amount
    if estimate is None:
        return ""
    if estimate.text:
        return t.k(estimate.text)
    text = _figure(estimate, t)
    if not text:
        return ""
    if estimate.estimate:
        text = t._("Environ {amount} (estimation).").format(amount=text)
    else:
        text = text[:1].upper() + text[1:] + "."
    if estimate.note and with_note:
        text += " " + t.k(estimate.note)
    return text


def aid_reply(result: AidResult, t: Translator, catalogue: Catalogue) -> Reply:
    """One aid in full, for the detail: its line, why, how much, how to apply, what to bring."""
    aid = result.aid
    item = aid_item(result, t)
    lines = [f"{MARKS.get(result.status, '❓')} {item.line}", t.k(aid.summary)]
    shown = [r for r in result.reasons if r.status == ELIGIBLE] if result.status == ELIGIBLE else list(result.reasons)
    if shown:
        lines.append(t._("Pourquoi : {reasons}").format(
            reasons=" ".join(reason_text(r, t, catalogue) for r in shown[:4])))
    amount = amount_text(result, t)
    if amount:
        lines.append(t._("Montant : {amount}").format(amount=amount))
    how = [t.k(aid.apply.how)] if aid.apply.how else []
    if aid.apply.online:
        how.append(aid.apply.online)
    if aid.apply.phone:
        how.append(t._("Tél. {phone}").format(phone=aid.apply.phone))
    if how:
        lines.append(t._("Comment faire : {how}").format(how=" ".join(how)))
    if aid.documents:
        lines.append(t._("À apporter :"))
        lines += [f"- {t.k(document)}" for document in aid.documents]
    if not aid.verified:
        lines.append(t._("Certaines informations sont à confirmer à l'accueil."))
    return Reply("aid", "\n".join(lines), aids=(item,),
                 data={"aid_id": aid.id, "status": result.status, "brief": item.line})


def official_name(name: str) -> str:
    """The name said at the office: "Revenu de solidarité active (RSA)" -> "RSA"."""
    if name.endswith(")") and "(" in name:
        short = name[name.rindex("(") + 1:-1].strip()
        if short and len(short) <= 12:
            return short
    return name


def short_amount(result: AidResult, t: Translator) -> str:
    """The amount in a few words, for a line of the results ("environ 573 € par mois")."""
    estimate = result.amount
    if estimate is None or estimate.text:
        return ""
    text = _figure(estimate, t)
    return t._("environ {amount}").format(amount=text) if text and estimate.estimate else text


def _figure(estimate: Estimate, t: Translator) -> str:
    """The figure and its period ("573 € par mois", "de 48 € à 277 € par an"), "" when there is none."""
    per = {"month": t._("{amount} par mois"), "year": t._("{amount} par an"), "once": t._("{amount} une fois")}
    template = per.get(estimate.period, "{amount}")
    if estimate.value is not None:
        if estimate.value <= 0:
            return ""
        text = template.format(amount=t.money(estimate.value))
    elif estimate.min is not None and estimate.max is not None:
        text = template.format(amount=t._("de {min} à {max}").format(min=t.money(estimate.min),
                                                                     max=t.money(estimate.max)))
    else:
        return ""
    return text


def aid_item(result: AidResult, t: Translator) -> AidItem:
    aid = result.aid
    official = official_name(t.k(aid.name))
    plain = t.k(aid.plain_name) if aid.plain_name and aid.plain_name != aid.name else ""
    amount = short_amount(result, t)
    if plain:
        lowered = plain[:1].lower() + plain[1:] if plain[1:2].islower() else plain
        line = t._("{official} : {plain}").format(official=official, plain=lowered)
    else:
        line = official
    if amount:
        line = t._("{aid}, {amount}").format(aid=line, amount=amount)
    return AidItem(aid.id, str(result.status), official, plain or official, amount, line,
                   open_to_all=result.open_to_all)


def results_reply(outcome: Outcome, t: Translator, limit: int) -> Reply:
    """The aids as short lines, heaviest first, and how many are left to check."""
    shown = outcome.aids[:limit]
    items = tuple(aid_item(r, t) for r in shown)
    if outcome.probable:
        lines = [t.ngettext("Vous avez probablement droit à {n} aide :",
                            "Vous avez probablement droit à {n} aides :", len(outcome.probable))
                 .format(n=len(outcome.probable))]
    elif items:
        lines = [t._("Des services ouverts à tous peuvent vous aider :")]
    else:
        lines = [t._("Je n'ai pas trouvé d'aide sûre avec vos réponses. "
                     "Une personne de l'accueil peut regarder votre situation avec vous.")]
    lines += [f"- {item.line}" for item in items]
    rest = len(outcome.aids) - len(items)
    if rest > 0:
        lines.append(t.ngettext("Et {n} autre aide, dans le détail.", "Et {n} autres aides, dans le détail.",
                                rest).format(n=rest))
    if outcome.to_check:
        lines.append(t.ngettext("{n} autre aide est à vérifier à l'accueil.",
                                "{n} autres aides sont à vérifier à l'accueil.",
                                len(outcome.to_check)).format(n=len(outcome.to_check)))
    return Reply("results", "\n".join(lines), aids=items,
                 data={"eligible": [r.aid.id for r in outcome.probable],
                       "open_to_all": [r.aid.id for r in outcome.open_to_all],
                       "to_check": [r.aid.id for r in outcome.to_check]})


def to_check_reply(results: list[AidResult], t: Translator, limit: int = 8) -> Reply | None:
    if not results:
        return None
    lines = [t._("À vérifier, il me manque une réponse :")]
    for result in results[:limit]:
        missing = t.join([missing_label(k, t) for k in sorted(result.missing)]) or t._("une information")
        lines.append(t._("❓ {aid} : {missing}").format(aid=t.k(result.aid.title), missing=missing))
    rest = len(results) - limit
    if rest > 0:
        lines.append(t.ngettext("Et {n} autre aide.", "Et {n} autres aides.", rest).format(n=rest))
    brief = t.ngettext("{n} autre aide est à vérifier à l'accueil.", "{n} autres aides sont à vérifier à l'accueil.",
                       len(results)).format(n=len(results))
    return Reply("info", "\n".join(lines), data={"to_check": [r.aid.id for r in results], "brief": brief})


def open_text(place: Place, now: datetime, t: Translator) -> str:
    from bot.places.hours import open_status

    status = open_status(place, now)
    if status.state == "open":
        if status.change_at and status.change_at.date() == now.date():
            return t._("Ouvert maintenant, jusqu'à {time}.").format(time=t.time(status.change_at))
        return t._("Ouvert maintenant.")
    if status.state == "closed":
        if status.change_at is None:
            return t._("Fermé en ce moment.")
        if status.change_at.date() == now.date():
            return t._("Fermé maintenant. Ouvre aujourd'hui à {time}.").format(time=t.time(status.change_at))
        day = t.weekday_date(status.change_at)
        return t._("Fermé maintenant. Ouvre {day} à {time}.").format(day=day, time=t.time(status.change_at))
    return t._("Horaires à confirmer par téléphone.")


def place_card(place: Place, now: datetime, t: Translator, distance_m: int | None = None) -> PlaceCard:
    from bot.places.hours import open_status

    address = ", ".join(part for part in (place.address, f"{place.postcode or ''} {place.commune}".strip()) if part)
    # Unknown hours of an unverified place: "address or hours to check by phone" says it once, not twice.
    unknown = not place.verified and open_status(place, now).state not in ("open", "closed")
    return PlaceCard(
        id=place.id, name=place.name, address=address, lat=place.lat, lon=place.lon,
        phone=place.phone or "", hours=t.k(place.hours_text) if place.hours_text else "",
        open_now="" if unknown else open_text(place, now, t), distance_m=distance_m, verified=place.verified,
    )


def place_reply(place: Place, now: datetime, t: Translator, lead: str, distance_m: int | None = None) -> Reply:
    card = place_card(place, now, t, distance_m)
    lines = [lead, card.name, card.address]
    if card.hours:
        lines.append(card.hours)
    lines.append(card.open_now)
    if card.phone:
        lines.append(t._("Tél. {phone}").format(phone=card.phone))
    if distance_m is not None and distance_m >= 100:
        km = distance_m / 1000
        lines.append(t._("À {distance} km.").format(distance=t.number(round(km, 1))))
    if not place.verified:
        lines.append(t._("Adresse ou horaires à confirmer par téléphone."))
    return Reply("place", "\n".join(line for line in lines if line), place=card, data={"place_id": place.id})


def emergency_replies(emergency: Emergency, catalogue: Catalogue, now: datetime, t: Translator,
                      urgent: bool = True) -> list[Reply]:
    """The card of a situation; `urgent=False`: the same help shown as information (the person chose
    the need it serves, nothing says it is an emergency)."""
    lines = [f"🚨 {t.k(emergency.title)}" if urgent else t.k(emergency.title), t.k(emergency.text)]
    calls = tuple(t._("📞 {number} : {label}").format(number=number.number, label=t.k(number.label))
                  for number in emergency.numbers)
    lines += calls
    numbers = tuple(number.number for number in emergency.numbers)
    item = EmergencyItem(emergency.id, numbers, t.k(emergency.title), calls, t.k(emergency.text))
    replies = [Reply("emergency", "\n".join(lines), data={"emergency": emergency.id}, emergency=item) if urgent
               else Reply("info", "\n".join(lines), data={"help": emergency.id})]
    for place_id in emergency.places[:2]:
        place = catalogue.places.get(place_id)
        if place:
            replies.append(place_reply(place, now, t, t._("Un lieu pour vous aider :")))
    return replies
