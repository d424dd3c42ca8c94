"""What every formula shares: its result (three-valued, with an amount and a trace) and small helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.catalogue.parameters import Parameters
from bot.rules.household import Household
from bot.rules.status import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Status

NEAR = 0.05  # resources within 5 % of the limit: "near the limit, to check", never a confident no


@dataclass(frozen=True)
class Step:
    """One line of the computation, in the law's terms; bot.rules.formulas.words puts it into words."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    status: Status
    amount: float | None = None  # monthly, except ARS (once a year)
    low: float | None = None  # when the amount depends on an answer not given (the partner's share)
    high: float | None = None
    missing: frozenset[str] = frozenset()
    steps: tuple[Step, ...] = ()
    form: str = ""  # the applicable form of a right: "rsa_majore", "free", "participation"…
    counted: float | None = None  # the part the RSA and the prime d'activité count, when not the whole
    open_forms: tuple[str, ...] = ()  # other forms still possible, until these answers are given:
    form_missing: frozenset[str] = frozenset()

    @property
    def bounds(self) -> tuple[float, float]:
        """What it may add to the household's resources for the formulas after it: (least, most)."""
        if self.status == NOT_ELIGIBLE:
            return 0.0, 0.0
        if self.status == ELIGIBLE and self.low is None:
            return self.amount or 0.0, self.amount or 0.0
        return self.low or 0.0, self.high if self.high is not None else (self.amount or 0.0)


def no(*steps: Step) -> Result:
    return Result(NOT_ELIGIBLE, 0.0, steps=steps)


def to_check(missing: frozenset[str] = frozenset(), *steps: Step) -> Result:
    return Result(UNKNOWN, None, missing=missing, steps=steps)


def paid(amount: float, *steps: Step, form: str = "") -> Result:
    return Result(ELIGIBLE, round(amount, 2), steps=steps, form=form)


class Law:
    """Parameters at one date, read by path: `law("rsa.montant_forfaitaire")`."""

    def __init__(self, parameters: Parameters, day: date):
        self.parameters, self.day = parameters, day
        self._values: dict[str, float] = {}  # a formula reads the same figures many times

    def __call__(self, path: str) -> float:
        value = self._values.get(path)
        if value is None:
            value = self._values[path] = float(self.parameters(path, day=self.day))
        return value

    def table(self, path: str) -> list[float]:
        """A scale written as a list (by household composition)."""
        return [float(v) for v in self.parameters(path, day=self.day)]


Compute = Callable[[Household, Law, dict[str, Result]], Result]


def either(results: list[Result], missing: frozenset[str]) -> Result:
    """One answer for several possible worlds (an allowance granted or not): the same status, or to check."""
    statuses = {r.status for r in results}
    if len(statuses) == 1:
        amounts = [r.amount for r in results if r.amount is not None]
        first = results[0]
        if amounts and max(amounts) - min(amounts) >= 1:
            return replace(first, low=min(amounts), high=max(amounts))
        return first
    steps = next((r.steps for r in results if r.status == ELIGIBLE), results[0].steps)
    high = max((r.amount or 0.0) for r in results)
    return Result(UNKNOWN, None, low=0.0, high=high, missing=missing, steps=steps)


def means_tested(compute: Callable[[float], tuple[float, tuple[Step, ...]]], minimum: float,
                 form: str = "") -> Result:
    """A differential benefit: `compute(factor)` gives the amount when the resources are multiplied by factor.
    Paid when at least the minimum; near the limit (resources a little lower would open it) it is to check."""
    amount, steps = compute(1.0)
    if amount >= minimum:
        return paid(amount, *steps, form=form)
    lower, _ = compute(1 - NEAR)
    if lower >= minimum:
        return Result(UNKNOWN, None, steps=(*steps, Step("near_limit")), form=form)
    if amount > 0:
        return no(*steps, Step("below_minimum", {"minimum": minimum}))
    return no(*steps)


def over_splits(results: list[Result]) -> Result:
    """One formula's results for each plausible share of the incomes between the partners (the share was
    not said): the same status gives that answer (a range when the amounts differ); otherwise to check,
    asking each adult's incomes: they are asked only when they change an outcome."""
    statuses = {(r.status, r.form) for r in results}
    middle = results[len(results) // 2]
    if len(statuses) > 1:
        high = max((r.amount or r.high or 0.0) for r in results)
        return Result(UNKNOWN, None, low=0.0, high=high, steps=middle.steps, form=middle.form,
                      missing=frozenset({"partner_work_income", "partner_other_income"}).union(
                          *(r.missing for r in results)))
    amounts = [r.amount for r in results if r.amount is not None]
    if not amounts or max(amounts) - min(amounts) < 1:
        return middle
    # the amount is a range until each adult's incomes are said: those answers would settle it
    return replace(middle, low=min(amounts), high=max(amounts),
                   missing=middle.missing | {"partner_work_income", "partner_other_income"})


def household_rate(law: Law, prefix: str, persons: int, parents: int) -> float:
    """The RSA and prime d'activité scale: 1, +50 % for the 2nd person, +30 % for the 3rd (and the 4th when it
    is an adult's), +40 % for each child from the 3rd."""
    rate = 1.0
    if persons >= 2:
        rate += law(f"{prefix}.majoration_deuxieme_personne")
    if persons >= 3:
        rate += law(f"{prefix}.majoration_troisieme_personne")
    if persons >= 4:
        rate += law(f"{prefix}.majoration_enfant_supplementaire" if parents == 1 else
                    f"{prefix}.majoration_troisieme_personne")
    rate += max(persons - 4, 0) * law(f"{prefix}.majoration_enfant_supplementaire")
    return rate


def family_benefits(before: dict[str, Result], counted_whole: bool = False) -> float:
    """The family benefits a minimum income counts: AF, PAJE allocation de base, complément familial (not its
    majoration) and the ASF forfait for the RSA and the prime d'activité; the whole CF and ASF for the C2S."""
    def part(name: str) -> float:
        result = before[name]
        if not counted_whole and result.status == ELIGIBLE and result.counted is not None:
            return result.counted
        return result.bounds[1 if counted_whole else 0]

    total = part("af") + part("cf") + part("asf")
    return total + (0.0 if counted_whole else part("paje"))
