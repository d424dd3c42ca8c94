"""Aids (knowledge/aids/<id>.yaml): typed, validated, frozen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.catalogue.dated import Dated, is_number, is_number_list, parse_dated
from bot.catalogue.fields import ID_PATTERN, Source  # one id pattern and one Source for every file
from bot.catalogue.parameters import Parameters

if TYPE_CHECKING:
    from bot.catalogue.profile import ProfileSchema

# report(field, message): records one problem of the aid being read.
FieldReport = Callable[[str, str], None]

AMOUNT_KINDS = ("fixed", "range", "per_household", "by_age", "per_child_by_age", "differential", "activity",
                "text", "formula")
PERIODS = ("month", "year", "once")


@dataclass(frozen=True)
class Bracket:
    min_age: int
    max_age: int
    value: Dated


@dataclass(frozen=True)
class Amount:
    kind: str
    period: str = "month"
    estimate: bool = False
    note: str = ""
    value: Dated | None = None
    min: Dated | None = None
    max: Dated | None = None
    values: Dated | None = None
    extra: Dated | None = None
    base: Dated | None = None
    work_income_share: float = 0.0
    brackets: tuple[Bracket, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Apply:
    how: str = ""
    online: str = ""
    phone: str = ""
    place: str = ""


@dataclass(frozen=True)
class Aid:
    id: str
    name: str
    plain_name: str
    institution: str
    summary: str
    needs: tuple[str, ...]
    thematiques: tuple[str, ...]
    publics: tuple[str, ...]
    zone: tuple[str, ...]
    conditions: tuple[Condition, ...]  # machine-checked; none at all means a service open to everyone (in its zone)
    conditions_text: tuple[str, ...]
    amount: Amount | None
    apply: Apply
    documents: tuple[str, ...]
    sources: tuple[Source, ...]
    verified: bool
    unverified: str
    reviewed: date | None
    file: str
    where: Condition | None = None  # the zone as a condition (None for "france"): evaluated with the others
    formula: str = ""  # a formula of bot/rules/formulas computes the right and its amount
    form: str = ""  # the form of the formula's right this aid is ("free", "participation", "rsa_majore")
    same_right_as: str = ""  # another aid that is the same right (RSA majoré is a form of the RSA): shown once

    @property
    def open_to_all(self) -> bool:
        return not self.conditions

    @property
    def title(self) -> str:
        """Plain words first, then the official name."""
        return self.plain_name or self.name


REQUIRED = ("id", "name", "institution", "summary", "needs", "conditions", "apply", "documents",
            "sources", "verified", "reviewed")
OPTIONAL = ("plain_name", "thematiques", "publics", "zone", "conditions_text", "amount", "unverified", "formula",
            "form", "same_right_as")


def _text_list(raw: Any, field: str, report: FieldReport) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
        report(field, "must be a list of non-empty texts")
        return ()
    return tuple(item.strip() for item in raw)


def _text(raw: Any, field: str, report: FieldReport, required: bool = True) -> str:
    if raw is None and not required:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        report(field, "must be a non-empty text")
        return ""
    return raw.strip()


def parse_amount(raw: Any, report: FieldReport, parameters: Parameters | None = None) -> Amount | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("kind") not in AMOUNT_KINDS:
        report("amount.kind", f"must be one of {', '.join(AMOUNT_KINDS)}")
        return None
    kind = raw["kind"]
    period = raw.get("period", "month")
    if period not in PERIODS:
        report("amount.period", f"must be one of {', '.join(PERIODS)}, got {period!r}")
    fields = {
        "fixed": {"value"}, "range": {"min", "max"}, "per_household": {"values", "extra"},
        "by_age": {"brackets"}, "per_child_by_age": {"brackets"},
        "differential": {"base", "work_income_share"}, "activity": {"base", "work_income_share"},
        "text": {"text"}, "formula": set(),
    }[kind]
    for name in sorted(set(raw) - fields - {"kind", "period", "estimate", "note"}):
        report(f"amount.{name}", f"unknown field for an amount of kind {kind}")

    def dated(name: str, check: Callable[[Any], str | None] = is_number, required: bool = True) -> Dated | None:
        if name not in raw:
            if required:
                report(f"amount.{name}", "is missing")
            return None
        return parse_dated(raw[name], check, lambda sub, msg: report(f"amount.{name}{sub}", msg), parameters)

    amount = dict(kind=kind, period=period, estimate=bool(raw.get("estimate", False)),
                  note=str(raw.get("note") or "").strip())
    if kind == "fixed":
        amount["value"] = dated("value")
    elif kind == "range":
        amount["min"], amount["max"] = dated("min"), dated("max")
    elif kind == "per_household":
        amount["values"] = dated("values", is_number_list)
        amount["extra"] = dated("extra", required=False) or Dated.constant(0)
    elif kind in ("differential", "activity"):
        amount["base"] = dated("base")
        share = raw.get("work_income_share", 0.0)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            report("amount.work_income_share", f"must be a fraction from 0 to 1, got {share!r}")
            share = 0.0
        amount["work_income_share"] = float(share)
    elif kind in ("by_age", "per_child_by_age"):
        brackets = []
        items = raw.get("brackets")
        if not isinstance(items, list) or not items:
            report("amount.brackets", "must be a list of {min_age, max_age, value}")
        for index, item in enumerate(items or []):
            path = f"amount.brackets[{index}]"
            if not isinstance(item, dict):
                report(path, "must be a mapping")
                continue
            low, high = item.get("min_age", 0), item.get("max_age", 200)
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or low > high:
                report(path, "min_age and max_age must be whole numbers, min_age ≤ max_age")
                continue
            def value_report(sub: str, msg: str, path: str = path) -> None:
                report(f"{path}.value{sub}", msg)

            value = parse_dated(item.get("value"), is_number, value_report, parameters)
            if value:
                brackets.append(Bracket(low, high, value))
        amount["brackets"] = tuple(brackets)
    elif kind == "text":
        amount["text"] = _text(raw.get("text"), "amount.text", report)
    return Amount(**amount)


def parse_aid(raw: Any, file_id: str, schema: ProfileSchema, report: FieldReport,
              parameters: Parameters | None = None) -> Aid | None:
    """`report(field, message)` records a problem for this aid; returns None when unusable."""
    if not isinstance(raw, dict):
        report("", "an aid file must hold a mapping of fields")
        return None
    for name in REQUIRED:
        if name not in raw:
            report(name, "is required")
    for name in sorted(set(raw) - set(REQUIRED) - set(OPTIONAL)):
        report(name, "unknown field")
    aid_id = raw.get("id")
    if not isinstance(aid_id, str) or not ID_PATTERN.match(aid_id):
        report("id", f"must be lower-case letters, digits and _, got {aid_id!r}")
    elif aid_id != file_id:
        report("id", f"{aid_id!r} must equal the file name {file_id!r}")

    parser = ConditionParser(schema, report, parameters)
    conditions = parser.parse_list(raw.get("conditions", []), "conditions")
    zone_raw = raw.get("zone") or ["france"]
    where = parser.parse({"type": "zone", "areas": zone_raw}, "zone") if isinstance(zone_raw, list) else None
    if not isinstance(zone_raw, list):
        report("zone", "must be a list: france, a département like \"44\" or INSEE codes")
    apply_raw = raw.get("apply") or {}
    if not isinstance(apply_raw, dict):
        report("apply", "must be a mapping with how, online, phone, place")
        apply_raw = {}
    for name in sorted(set(apply_raw) - {"how", "online", "phone", "place"}):
        report(f"apply.{name}", "unknown field")
    apply = Apply(**{k: str(apply_raw.get(k) or "").strip() for k in ("how", "online", "phone", "place")})
    if not (apply.how or apply.online or apply.phone or apply.place):
        report("apply", "say at least how, online, phone or place")
    if apply.online and not apply.online.startswith("https://"):
        report("apply.online", f"must be an https:// address, got {apply.online!r}")

    sources = []
    for index, item in enumerate(raw.get("sources") or []):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not isinstance(item.get("date"), date):
            report(f"sources[{index}]", "needs url (text) and date (like 2026-07-23)")
            continue
        sources.append(Source(item["url"], item["date"], str(item.get("note") or "")))
    if "sources" in raw and not sources:
        report("sources", "at least one source with url and date")

    verified = raw.get("verified")
    if not isinstance(verified, bool):
        report("verified", "must be true or false")
        verified = False
    unverified = str(raw.get("unverified") or "").strip()
    if verified is False and not unverified:
        report("unverified", "say what could not be verified (verified is false)")
    reviewed = raw.get("reviewed")
    if not isinstance(reviewed, date):
        report("reviewed", "must be a date like 2026-11-22")
        reviewed = None

    needs = _text_list(raw.get("needs"), "needs", report)
    if "needs" in raw and not needs:
        report("needs", "name at least one need")
    documents = raw.get("documents")
    if not isinstance(documents, list):
        report("documents", "must be a list (empty when nothing is needed)")
        documents = []

    return Aid(
        id=aid_id if isinstance(aid_id, str) else file_id,
        name=_text(raw.get("name"), "name", report),
        plain_name=_text(raw.get("plain_name"), "plain_name", report, required=False),
        institution=_text(raw.get("institution"), "institution", report),
        summary=_text(raw.get("summary"), "summary", report),
        needs=needs,
        thematiques=_text_list(raw.get("thematiques"), "thematiques", report),
        publics=_text_list(raw.get("publics"), "publics", report),
        zone=tuple(str(z) for z in zone_raw) if isinstance(zone_raw, list) else ("france",),
        conditions=conditions,
        conditions_text=_text_list(raw.get("conditions_text"), "conditions_text", report),
        amount=parse_amount(raw.get("amount"), report, parameters),
        apply=apply,
        documents=_text_list(documents, "documents", report),
        sources=tuple(sources),
        verified=verified,
        unverified=unverified,
        reviewed=reviewed,
        file=f"aids/{file_id}.yaml",
        where=where,
        formula=_formula(raw.get("formula"), report),
        form=_text(raw.get("form"), "form", report, required=False),
        same_right_as=_text(raw.get("same_right_as"), "same_right_as", report, required=False),
    )


def _formula(raw: Any, report: Callable[[str, str], None]) -> str:
    if raw is None:
        return ""
    from bot.rules.formulas import FORMULAS  # the table lives with the formulas; the catalogue only names one

    if not isinstance(raw, str) or raw not in FORMULAS:
        report("formula", f"unknown formula {raw!r} (known: {', '.join(sorted(FORMULAS))})")
        return ""
    return str(raw)
