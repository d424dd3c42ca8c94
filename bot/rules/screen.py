"""Screen a profile against every aid: status, reasons, missing answers, amount."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue import Aid, Catalogue
from bot.rules.amounts import Estimate, estimate_amount
from bot.rules.facts import Facts
from bot.rules.formulas import Result, compute_all
from bot.rules.formulas.words import worth_saying
from bot.rules.status import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Outcome, Reason, Status, combine_all

STATUS_ORDER = {ELIGIBLE: 0, UNKNOWN: 1, NOT_ELIGIBLE: 2}


@dataclass(frozen=True)
class AidResult:
    aid: Aid
    status: Status
    reasons: tuple[Reason, ...]
    missing: frozenset[str]
    amount: Estimate | None
    form: str = ""  # the applicable form of the right (RSA: "rsa" or "rsa_majore")

    @property
    def open_to_all(self) -> bool:
        """A service for everyone (in its area): say "ouvert à tous", never "vous avez probablement droit"."""
        return self.status == ELIGIBLE and self.aid.open_to_all

    def as_dict(self) -> dict[str, Any]:
        amount = None
        if self.amount:
            amount = {k: v for k, v in self.amount.__dict__.items() if v is not None and v != "" and v != frozenset()}
            if "missing" in amount:
                amount["missing"] = sorted(amount["missing"])
        result = {
            "id": self.aid.id,
            "name": self.aid.name,
            "status": self.status.value,
            "open_to_all": self.open_to_all,
            "reasons": [{"code": r.code, "status": r.status.value, **{k: v for k, v in r.params.items() if v is not None}}
                        for r in self.reasons],
            "missing": sorted(self.missing),
            "amount": amount,
            "verified": self.aid.verified,
        }
        if self.form:
            result["form"] = self.form
        return result


def _formula_outcome(aid: Aid, result: Result) -> Outcome:
    status, missing = result.status, result.missing
    if aid.form and status == ELIGIBLE and result.form != aid.form:
        if aid.form in result.open_forms:  # this form too, if an answer still to give says so
            status, missing = UNKNOWN, result.form_missing
        else:
            status = NOT_ELIGIBLE  # the right is open in its other form
    reasons = tuple(Reason("formula", status, {"step": s.code, **s.params}) for s in result.steps
                    if worth_saying(s.code, s.params))
    return Outcome(status, reasons, missing if status == UNKNOWN else frozenset())


def _formula_amount(aid: Aid, result: Result, status: Status) -> Estimate | None:
    spec = aid.amount
    if spec is None or status == NOT_ELIGIBLE:
        return None
    if spec.kind != "formula":
        return None
    base = Estimate(period=spec.period, estimate=spec.estimate, note=spec.note)
    if status == ELIGIBLE and result.low is None and result.amount is not None:
        return Estimate(base.period, base.estimate, value=round(result.amount, 2), note=base.note)
    if result.high:
        return Estimate(base.period, base.estimate, min=round(result.low or 0.0, 2), max=round(result.high, 2),
                        note=base.note, missing=result.missing)
    return Estimate(base.period, base.estimate, note=base.note, missing=result.missing)


def screen_aid(aid: Aid, facts: Facts, today: date, formulas: Mapping[str, Result] | None = None) -> AidResult:
    conditions = (aid.where, *aid.conditions) if aid.where is not None else aid.conditions
    outcomes = [c.evaluate(facts, today) for c in conditions]
    result = formulas.get(aid.formula) if formulas is not None and aid.formula else None
    if result is not None:
        outcomes.append(_formula_outcome(aid, result))
    outcome: Outcome = combine_all(outcomes)
    if result is not None and aid.amount is not None and aid.amount.kind == "formula":
        amount = _formula_amount(aid, result, outcome.status)
    else:
        amount = estimate_amount(aid.amount, facts, today) if aid.amount and outcome.status != NOT_ELIGIBLE else None
    form = (result.form if result is not None and not aid.form else "") if outcome.status != NOT_ELIGIBLE else ""
    return AidResult(aid, outcome.status, outcome.reasons, outcome.missing, amount, form)


def screen(catalogue: Catalogue, profile: Mapping[str, Any], today: date,
           aid_ids: Iterable[str] | None = None) -> list[AidResult]:
    """Every aid (or the given ones), probable first, then to check, then not eligible. An aid that is a form
    of another right (RSA majoré) is not listed beside it: the right says its applicable form."""
    facts = Facts(profile)
    if aid_ids is None:
        aids = [aid for aid in catalogue.aids.values() if not aid.same_right_as]
    else:
        aids = [catalogue.aids[i] for i in aid_ids]
    formulas = compute_all(facts, catalogue.parameters, today) if any(a.formula for a in aids) else None
    results = [screen_aid(aid, facts, today, formulas) for aid in aids]
    results.sort(key=lambda r: (STATUS_ORDER[r.status], r.aid.id))
    return results
