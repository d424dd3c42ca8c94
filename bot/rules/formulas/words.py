"""Each step of a formula in words: the trace becomes the explanation shown to the person."""

from __future__ import annotations

from bot.i18n import Translator
from bot.rules.conditions.age import Age
from bot.rules.conditions.children import Children
from bot.rules.status import Reason
from bot.rules.words import Vocabulary, money


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted now, translated when shown
    return message


GUARANTEED = {
    "rsa": N_("Montant forfaitaire pour votre foyer : {amount}."),
    "rsa_majore": N_("Montant majoré pour un parent seul : {amount}."),
}
STEPS = {
    "resources": N_("Ressources comptées : {amount} par mois."),
    "housing_forfait": N_("Forfait logement retiré : {amount}."),
    "below_minimum": N_("Le montant serait sous {amount} : il n'est pas versé."),
    "student": N_("Les étudiants n'y ont en général pas droit."),
    "activity_share": N_("Plus {rate} de vos revenus du travail : {amount}."),
    "bonus": N_("Bonus pour les revenus du travail : {amount}."),
    "student_floor": N_("Étudiant ou apprenti : il faut gagner plus de {amount} par mois."),
    "no_earnings": N_("Il faut des revenus du travail."),
    "not_tenant": N_("Cette aide est pour les locataires."),
    "rent_ceiling": N_("Loyer retenu : {amount} (plafond {ceiling})."),
    "charges": N_("Forfait de charges : {amount}."),
    "participation": N_("Votre participation : {amount}."),
    "rls": N_("Réduction de loyer de solidarité retirée : {amount}."),
    "rent_too_high": N_("Un loyer au-dessus de {amount} fait baisser l'aide."),
    "disability_rate": N_("Il faut un taux d'incapacité d'au moins 50 %."),
    "rsdae_age": N_("Avec un taux de 50 à 79 %, l'AAH s'arrête à {max} ans."),
    "rsdae": N_("Avec un taux de 50 à 79 %, la MDPH doit aussi reconnaître une restriction d'accès à l'emploi "
                "(RSDAE) : à vérifier."),
    "aah_young": N_("Avant 20 ans, c'est possible si vous n'êtes plus à la charge de vos parents : à vérifier."),
    "c2s_rsa": N_("Avec le RSA, la C2S est gratuite."),
    "majore_if_separated": N_("Si vous êtes seul ou seule depuis moins de 18 mois, le RSA peut être majoré : "
                              "à vérifier."),
    "neutralised": N_("Avec le RSA, vos revenus du travail ne sont pas comptés."),
    "maximum": N_("Montant maximum : {amount}."),
}


def step_text(reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
    p = reason.params
    step = str(p.get("step"))
    amount = money(float(p.get("amount") or 0.0), t)
    if step == "guaranteed":
        return t._(GUARANTEED.get(str(p.get("form")), STEPS["maximum"])).format(amount=amount)
    if step == "age":
        return Age.explain(Reason("age", reason.status, {"min": p.get("min")}), t, vocabulary)
    if step == "children":
        return Children.explain(Reason("children", reason.status, {k: p.get(k) for k in ("min", "age_min", "age_max")}),
                                t, vocabulary)
    if step == "near_limit":
        return t._("Vous êtes proche du plafond : faites vérifier votre situation.")
    if step in ("yearly_resources", "own_resources"):
        per_year = step == "yearly_resources"
        text = (t._("Vos ressources : {value} par an.") if per_year else t._("Vos ressources : {value} par mois.")) \
            .format(value=amount)
        if p.get("ceiling"):
            ceiling = money(float(p["ceiling"]), t)
            text += " " + (t._("Le plafond pour votre foyer est de {ceiling} par an.") if per_year
                           else t._("Le plafond pour votre foyer est de {ceiling} par mois.")).format(ceiling=ceiling)
        if p.get("neutralised"):
            text += " " + t._(STEPS["neutralised"])
        return text
    if step == "below_minimum":
        return t._(STEPS[step]).format(amount=money(float(p.get("minimum") or 0.0), t))
    if step == "activity_share":
        return t._(STEPS[step]).format(rate=t.number(round(100 * float(p.get("rate") or 0.0), 2)) + " %",
                                       amount=amount)
    if step == "rent_ceiling":
        return t._(STEPS[step]).format(amount=amount, ceiling=money(float(p.get("ceiling") or 0.0), t))
    if step == "rsdae_age":
        return t._(STEPS[step]).format(max=p.get("max"))
    template = STEPS.get(step)
    return t._(template).format(amount=amount) if template else ""


def worth_saying(code: str, params: dict[str, object]) -> bool:
    """A step that adds nothing (a forfait or a bonus of 0 €) is not shown."""
    if code in ("housing_forfait", "bonus", "rls"):
        value = params.get("amount")
        return isinstance(value, (int, float)) and value > 0
    return True
