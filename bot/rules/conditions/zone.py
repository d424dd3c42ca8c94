"""`zone`: where the person lives is in the aid's area (a département "44", or INSEE communes).

Written by the aid's `zone:` field rather than in `conditions:`, so that an aid open to everyone in
its area stays "open to all". An unknown commune is assumed to be profile.yaml's default (Nantes)
and said so ("à confirmer"): a Rezé resident who said Rezé is not promised a Nantes-only aid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import ELIGIBLE, UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary, commune_name

EVERYWHERE = "france"
AREA = re.compile(r"^(\d{2}|\d{5}|2[AB]\d{3})$")


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted now, translated when shown
    return message


@dataclass(frozen=True)
class Zone(Condition):
    name = "zone"
    fields = frozenset({"areas"})
    areas: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        areas = raw.get("areas")
        if not isinstance(areas, list) or not areas or not all(isinstance(a, (str, int)) for a in areas):
            parser.report(f"{path}.areas", "must be a list: france, a département like \"44\" or INSEE codes")
            return None
        codes = tuple(str(a) for a in areas)
        for code in codes:
            if code != EVERYWHERE and not AREA.match(code):
                parser.report(f"{path}.areas", f"{code!r}: france, a département (\"44\") or an INSEE code")
        return None if EVERYWHERE in codes else cls(codes)

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        key = ("zone", self.areas)  # 23 aids are for Nantes: one evaluation for all of them
        found: Outcome | None = facts.memo.get(key)
        if found is None:
            found = facts.memo[key] = self._evaluate(facts)
        return found

    def _evaluate(self, facts: Facts) -> Outcome:
        commune = facts.get("commune")
        if not commune.known:
            return leaf(self.name, UNKNOWN, commune.missing, areas=list(self.areas))
        code = str(commune.value)
        ok = any(code == area or (len(area) < 5 and code.startswith(area)) for area in self.areas)
        return leaf(self.name, status_of(ok), areas=list(self.areas), value=code, assumed=commune.estimated)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        areas = [str(a) for a in p.get("areas", [])]
        names = [t._("la Loire-Atlantique") if a == "44" else commune_name(a, vocabulary) for a in areas]
        allowed = t.join(names) if len(names) <= 4 else t._("les communes de Nantes Métropole")
        rule = t._("Cette aide est pour : {allowed}.").format(allowed=allowed)
        if "value" not in p:
            return rule
        place = commune_name(str(p["value"]), vocabulary)
        fact = (t._("Vous habitez à {place} (à confirmer).") if p.get("assumed")
                else t._("Vous habitez à {place}.")).format(place=place)
        return fact if reason.status == ELIGIBLE else fact + " " + rule

    def keys(self) -> frozenset[str]:
        return frozenset({"commune"})
