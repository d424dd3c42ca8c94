"""Papers that concern only some households (knowledge/desk_documents.yaml), for the printed summary.

    papers = HouseholdPapers.load(catalogue)       # validated: errors name the file, the aid and the paper
    papers.applies(aid_id, document, facts, today) # False only when the household surely has no use for it

The catalogue lists an aid's papers for every household; the summary of one household leaves off a
school certificate for a child of 16 or more when there is none. Unknown stays listed: better one
paper too many than a wasted trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.catalogue import KNOWLEDGE_DIR, Catalogue
from bot.catalogue.conditions import Condition, ConditionParser
from bot.rules.conditions import NOT_ELIGIBLE, evaluate
from bot.rules.facts import Facts

PAPERS_FILE = "desk_documents.yaml"


class PapersDataError(ValueError):
    """knowledge/desk_documents.yaml is malformed, or names an aid or a paper the catalogue lacks."""


@dataclass(frozen=True)
class HouseholdPapers:
    conditions: dict[tuple[str, str], Condition]  # (aid id, paper's French wording) -> when it is needed

    @classmethod
    def load(cls, catalogue: Catalogue, path: Path | None = None) -> HouseholdPapers:
        path = path or KNOWLEDGE_DIR / PAPERS_FILE
        if not path.is_file():
            return cls({})
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise PapersDataError(f"{path.name}: expected aid ids, each with papers and their condition")
        problems: list[str] = []
        conditions: dict[tuple[str, str], Condition] = {}
        for aid_id, papers in raw.items():
            aid = catalogue.aids.get(aid_id)
            if aid is None or not isinstance(papers, dict):
                problems.append(f"{path.name}: {aid_id}: no such aid in knowledge/aids/, or not a mapping")
                continue
            for paper, raw_condition in papers.items():
                where = f"{path.name}: {aid_id}: {paper!r}"
                if paper not in aid.documents:
                    problems.append(f"{where}: not one of the aid's documents (write its exact wording)")
                    continue
                def report(field: str, message: str, where: str = where) -> None:
                    problems.append(f"{where}{field and '.' + field}: {message}")

                parser = ConditionParser(catalogue.profile, report, catalogue.parameters)
                condition = parser.parse(raw_condition, "")
                if condition is not None:
                    conditions[(aid_id, paper)] = condition
        if problems:
            raise PapersDataError("; ".join(problems))
        return cls(conditions)

    def applies(self, aid_id: str, document: str, facts: Facts, today: date) -> bool:
        condition = self.conditions.get((aid_id, document))
        return condition is None or evaluate(condition, facts, today).status != NOT_ELIGIBLE
