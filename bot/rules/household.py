"""The household as the law sees it: persons with a role and an age, incomes by kind and by person, housing.

Built from the answers (knowledge/profile.yaml). A missing answer stays missing: each formula says which
ones it needs. The household's work income is the sum of each adult's; when the partner's share is not
said, `splits()` gives the plausible shares so that a formula can tell whether the share matters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.rules.facts import Facts

TENANTS = ("tenant", "social_tenant")


@dataclass(frozen=True)
class Adult:
    role: str  # "applicant" or "partner"
    age: int | None
    earnings: float  # net monthly work income
    replacement: float  # net monthly pensions, unemployment benefit, other incomes
    activity: str | None  # employed, self_employed, unemployed, student, retired, inactive
    disability: int | None = None  # MDPH rate, percent

    @property
    def student(self) -> bool:
        return self.activity == "student"

    @property
    def pension(self) -> float:
        """The kind of a replacement income is read from the situation: a pension unless unemployed."""
        return 0.0 if self.activity == "unemployed" else self.replacement

    @property
    def unemployment(self) -> float:
        return self.replacement if self.activity == "unemployed" else 0.0


@dataclass(frozen=True)
class Household:
    adults: tuple[Adult, ...]
    children: tuple[int, ...]
    pregnant: bool | None
    housing: str | None
    rent: float | None
    separated_recently: bool | None
    rsdae: bool | None
    split_known: bool  # each adult's share of the incomes was said (always true for one adult)

    @property
    def couple(self) -> bool:
        return len(self.adults) == 2

    @property
    def applicant(self) -> Adult:
        return self.adults[0]

    @property
    def earnings(self) -> float:
        return sum(a.earnings for a in self.adults)

    @property
    def replacement(self) -> float:
        return sum(a.replacement for a in self.adults)

    def children_under(self, age: int) -> int:
        return sum(1 for c in self.children if c < age)

    @property
    def tenant(self) -> bool:
        return self.housing in TENANTS

    def splits(self) -> tuple[Household, ...]:
        """This household, or when the partner's share is unknown, the shares from all-applicant to all-partner."""
        if self.split_known or not self.couple:
            return (self,)
        earnings, other = self.earnings, self.replacement
        shares = []
        for part in (0.0, 0.25, 0.5, 0.75, 1.0):
            applicant = replace(self.adults[0], earnings=earnings * (1 - part), replacement=other * (1 - part))
            partner = replace(self.adults[1], earnings=earnings * part, replacement=other * part)
            shares.append(replace(self, adults=(applicant, partner), split_known=True))
        return tuple(shares)


BASE_KEYS = ("couple", "children_ages", "work_income", "other_income", "age")


def build(facts: Facts) -> tuple[Household | None, frozenset[str]]:
    """The household, or the answers still needed to describe it."""
    missing: set[str] = set()
    for key in BASE_KEYS:
        missing |= facts.get(key).missing
    couple = facts.get("couple")
    if couple.known and couple.value:
        missing |= facts.get("partner_age").missing
    if missing:
        return None, frozenset(missing)
    work, other = float(facts.get("work_income").value), float(facts.get("other_income").value)
    employment = facts.get("employment").value
    disability = facts.get("disability_rate").value
    adults: list[Adult] = []
    split_known = True
    if couple.value:
        partner_work, partner_other = facts.get("partner_work_income"), facts.get("partner_other_income")
        # nothing to share out is a known share: the questions are asked only about a total above 0
        split_known = (partner_work.known or work == 0) and (partner_other.known or other == 0)
        pw = min(work, float(partner_work.value)) if partner_work.known else 0.0
        po = min(other, float(partner_other.value)) if partner_other.known else 0.0
        adults.append(Adult("applicant", facts.get("age").value, work - pw, other - po, employment, disability))
        adults.append(Adult("partner", facts.get("partner_age").value, pw, po, facts.get("partner_employment").value,
                            facts.get("partner_disability_rate").value))
    else:
        adults.append(Adult("applicant", facts.get("age").value, work, other, employment, disability))
    housing, rent = facts.get("housing"), facts.get("rent")
    return Household(
        adults=tuple(adults), children=tuple(sorted(facts.get("children_ages").value)),
        pregnant=facts.get("pregnant").value, housing=housing.value, rent=rent.value,
        separated_recently=facts.get("separated_recently").value, rsdae=facts.get("rsdae").value,
        split_known=split_known,
    ), frozenset()
