"""Reasons in words: one short sentence per condition, in the person's language."""

from __future__ import annotations

from bot.i18n import Translator
from bot.rules.conditions import ELIGIBLE, NOT_ELIGIBLE, Reason

MARKS = {ELIGIBLE: "✅", NOT_ELIGIBLE: "❌"}


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted now, translated when shown
    return message


MISSING_LABELS = {
    "age": N_("votre âge"),
    "partner_age": N_("l'âge de votre conjoint"),
    "couple": N_("si vous vivez en couple"),
    "children_ages": N_("vos enfants à charge"),
    "pregnant": N_("si vous attendez un enfant"),
    "work_income": N_("vos revenus du travail"),
    "other_income": N_("vos autres ressources"),
    "housing": N_("votre logement"),
    "rent": N_("votre loyer"),
    "employment": N_("votre situation (travail, études…)"),
    "disability_rate": N_("votre taux de handicap"),
    "quotient_familial": N_("votre quotient familial"),
    "commune": N_("votre commune"),
    "quartier": N_("votre quartier"),
}
FACT_SENTENCES = {
    ("couple", True): N_("Vous vivez en couple."),
    ("couple", False): N_("Vous ne vivez pas en couple."),
    ("pregnant", True): N_("Vous attendez un enfant."),
    ("pregnant", False): N_("Vous n'attendez pas d'enfant."),
    ("single_parent", True): N_("Vous élevez seul ou seule vos enfants."),
    ("single_parent", False): N_("Vous n'élevez pas seul ou seule un enfant."),
}
DEPENDS_ON = {
    "couple": N_("Cela dépend de votre vie en couple."),
    "pregnant": N_("Cela dépend d'une grossesse."),
    "single_parent": N_("Cette aide est pour les parents seuls."),
}
LIMIT_PHRASES = {
    ">=": N_("Il faut au moins {limit}."), ">": N_("Il faut plus de {limit}."),
    "<=": N_("Il faut au plus {limit}."), "<": N_("Il faut moins de {limit}."),
    "==": N_("Il faut exactement {limit}."), "!=": N_("Il faut autre chose que {limit}."),
}


def missing_label(key: str, t: Translator) -> str:
    """What is missing, as a person would say it."""
    return t._(MISSING_LABELS[key]) if key in MISSING_LABELS else key


def _money(value: float, t: Translator) -> str:
    return t.money(round(value, 2))


def _choice_label(key: str, value: str, t: Translator, catalogue) -> str:
    if key == "commune":
        for entry in getattr(catalogue.gazetteer, "entries", ()):
            if entry.kind == "commune" and entry.insee == value:
                return entry.name
        return value
    for question in catalogue.questions:
        if question.key == key:
            for choice in question.choices:
                if choice.value == value:
                    return t.k(choice.label)
    return value


def reason_text(reason: Reason, t: Translator, catalogue) -> str:
    p = reason.params
    code = reason.code
    if code == "age":
        low, high = p.get("min"), p.get("max")
        if low is not None and high is not None:
            rule = t._("Il faut avoir entre {min} et {max} ans.").format(min=low, max=high)
        elif low is not None:
            rule = t._("Il faut avoir {min} ans ou plus.").format(min=low)
        else:
            rule = t._("Il faut avoir {max} ans ou moins.").format(max=high)
        if "age" not in p:
            return rule
        return t._("Vous avez {age} ans.").format(age=p["age"]) + " " + rule
    if code == "resources":
        if p.get("ceiling") is None:
            return t._("Vos ressources doivent être sous un plafond.")
        if p.get("period") == "year":
            rule = t._("Le plafond pour votre foyer est de {ceiling} par an.").format(
                ceiling=_money(p["ceiling"], t))
            fact = t._("Vos ressources : {value} par an.") if "value" in p else ""
        else:
            rule = t._("Le plafond pour votre foyer est de {ceiling} par mois.").format(
                ceiling=_money(p["ceiling"], t))
            fact = t._("Vos ressources : {value} par mois.") if "value" in p else ""
        text = (fact.format(value=_money(p["value"], t)) + " " + rule).strip() if fact else rule
        if p.get("near"):
            text += " " + t._("Vous êtes proche du plafond : faites vérifier votre situation.")
        return text
    if code == "quotient_familial":
        low, high = p.get("min"), p.get("max")
        if high is not None and low is not None:
            rule = t._("Il faut un quotient familial entre {min} et {max}.").format(
                min=_money(low, t), max=_money(high, t))
        elif high is not None:
            rule = t._("Il faut un quotient familial de {max} ou moins.").format(max=_money(high, t))
        else:
            rule = t._("Il faut un quotient familial de {min} ou plus.").format(min=_money(low, t))
        if "value" not in p:
            return rule
        fact = (t._("Votre quotient familial estimé : {value}.") if p.get("estimated")
                else t._("Votre quotient familial : {value}.")).format(value=_money(p["value"], t))
        text = fact + " " + rule
        if p.get("near"):
            text += " " + t._("Vous êtes proche du plafond : faites vérifier votre situation.")
        return text
    if code == "children":
        low, high = p.get("min"), p.get("max")
        if p.get("age_min") is not None or p.get("age_max") is not None:
            span = t._("de {age_min} à {age_max} ans").format(age_min=p.get("age_min") or 0,
                                                             age_max=p.get("age_max") or 25)
        else:
            span = ""
        if high == 0:
            rule = t._("Cette aide est pour les personnes sans enfant à charge.")
        else:
            count = int(low or 1)
            rule = (t.ngettext("Il faut au moins {n} enfant à charge {span}.",
                               "Il faut au moins {n} enfants à charge {span}.", count)
                    .format(n=count, span=span).replace(" .", "."))
        if "count" not in p:
            return rule
        fact = t.ngettext("Vous avez {n} enfant à charge {span}.", "Vous avez {n} enfants à charge {span}.",
                          p["count"]).format(n=p["count"], span=span).replace(" .", ".")
        return fact + " " + rule
    if code == "is":
        key, value = p.get("key"), p.get("value")
        if value is None:
            return t._(DEPENDS_ON[key]) if key in DEPENDS_ON else missing_label(key, t)
        sentence = FACT_SENTENCES.get((key, value))
        return t._(sentence) if sentence else f"{key}: {value}"
    if code == "in":
        key = p.get("key")
        allowed = t.join([_choice_label(key, v, t, catalogue) for v in p.get("values", [])])
        if "value" not in p:
            return t._("Cette aide est pour : {allowed}.").format(allowed=allowed)
        current = _choice_label(key, p["value"], t, catalogue)
        if key == "commune":
            fact = (t._("Vous habitez à {place} (à confirmer).") if p.get("assumed")
                    else t._("Vous habitez à {place}.")).format(place=current)
        else:
            fact = t._("Votre réponse : « {value} ».").format(value=current)
        if reason.status == ELIGIBLE:
            return fact
        return fact + " " + t._("Cette aide est pour : {allowed}.").format(allowed=allowed)
    if code == "compare":
        key, op, limit = p.get("key"), p.get("op"), p.get("limit")
        is_money = catalogue.profile.type_of(key) == "money"
        unit = "%" if key == "disability_rate" else ""
        shown = (lambda v: _money(v, t)) if is_money else (lambda v: f"{v:g}{unit}")
        phrase = t._(LIMIT_PHRASES[op]).format(limit=shown(limit))
        label = missing_label(key, t)
        label = label[:1].upper() + label[1:]
        if "value" not in p:
            return phrase
        return t._("{label} : {value}.").format(label=label, value=shown(p["value"])) + " " + phrase
    return code
