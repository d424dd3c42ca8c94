"""Screen a profile against every aid: status, reasons, missing answers, amount."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue import Aid, Catalogue
from bot.rules.amounts import Estimate, estimate_amount
from bot.rules.facts import Facts
from bot.rules.status import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Outcome, Reason, Status, combine_all

STATUS_ORDER = {ELIGIBLE: 0, UNKNOWN: 1, NOT_ELIGIBLE: 2}


@dataclass(frozen=True)
class AidResult:
    aid: Aid
    status: Status
    reasons: tuple[Reason, ...]
    missing: frozenset[str]
    amount: Estimate | None

    @property
    def open_to_all(self) -> bool:
        """A service for everyone (in its area): say "ouvert à tous", never "vous avez probablement droit"."""
        return self.status == ELIGIBLE and self.aid.open_to_all

    def as_dict(self) -> dict[str, Any]:
        amount = None
        if self.amount:
            amount = {k: v for k, v in vars(self.amount).items() if v not in (None, "", frozenset())}
            if "missing" in amount:
                amount["missing"] = sorted(amount["missing"])
        return {
            "id": self.aid.id,
            "name": self.aid.name,
            "status": str(self.status),
            "open_to_all": self.open_to_all,
            "reasons": [{"code": r.code, "status": str(r.status), **_jsonable(r.params)} for r in self.reasons],
            "missing": sorted(self.missing),
            "amount": amount,
            "verified": self.aid.verified,
        }


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def screen_aid(aid: Aid, facts: Facts, today: date) -> AidResult:
    conditions = (aid.where, *aid.conditions) if aid.where is not None else aid.conditions
    outcome: Outcome = combine_all([c.evaluate(facts, today) for c in conditions])
    amount = estimate_amount(aid.amount, facts, today) if aid.amount and outcome.status != NOT_ELIGIBLE else None
    return AidResult(aid, outcome.status, outcome.reasons, outcome.missing, amount)


def screen(catalogue: Catalogue, profile: Mapping[str, Any], today: date,
           aid_ids: Iterable[str] | None = None) -> list[AidResult]:
    """Every aid (or the given ones), probable first, then to check, then not eligible."""
    facts = Facts(profile)
    aids = catalogue.aids.values() if aid_ids is None else [catalogue.aids[i] for i in aid_ids]
    results = [screen_aid(aid, facts, today) for aid in aids]
    results.sort(key=lambda r: (STATUS_ORDER[r.status], r.aid.id))
    return results
