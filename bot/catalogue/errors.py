"""Problems found while loading knowledge/: each names the file, the entry and the field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str
    severity: str = "error"  # "error" stops the program; "warning" (stale data) does not

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f" [{self.entry}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


class CatalogueError(Exception):
    """Raised when knowledge/ has at least one error; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the catalogue has {len(problems)} problem(s):\n{lines}")


class Problems:
    """Collects problems so that a check reports all of them, not only the first."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, file: str, entry: str, field: str, message: str) -> None:
        self.items.append(Problem(file, entry, field, message))

    def warning(self, file: str, entry: str, field: str, message: str) -> None:
        self.items.append(Problem(file, entry, field, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise CatalogueError(self.errors)
