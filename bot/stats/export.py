"""The figures as CSV (the desk's download) and as a readable table (`aiguillage stats`)."""

from __future__ import annotations

import csv
import io

from bot.stats.figures import Figures, shown


def to_csv(figures: Figures) -> str:
    """One line per cell: section, key, label, value ("< 5" under 5), then the weekly series."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "label", "value"])
    writer.writerow(["period", "since", figures.since.isoformat(), ""])
    writer.writerow(["period", "until", figures.until.isoformat(), ""])
    for table in figures.tables:
        for row in table.rows:
            writer.writerow([table.key, row.key, _safe(row.label), row.value])
    for week in figures.weeks:
        for channel, count in week.counts.items():
            writer.writerow(["weeks", f"{week.start.isoformat()}:{channel}", f"{week.start:%d/%m/%Y} {channel}",
                             shown(count)])
    return out.getvalue()


def _safe(text: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: labels come from data files, not people,
    # but a CSV opened in a spreadsheet should never run anything.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_text(figures: Figures) -> str:
    lines = [f"Aiguillage: {figures.since:%d/%m/%Y} - {figures.until:%d/%m/%Y} (counts under 5 read \"< 5\")", ""]
    for table in figures.tables:
        lines.append(table.title)
        lines.append("-" * len(table.title))
        if not table.rows:
            lines.append("  (rien)")
        width = max([len(row.label) for row in table.rows] + [10])
        for row in table.rows:
            lines.append(f"  {row.label:<{width}}  {row.value:>6}")
        lines.append("")
    lines.append("Conversations par semaine")
    for week in figures.weeks:
        cells = ", ".join(f"{channel} {shown(n)}" for channel, n in week.counts.items()) or "-"
        lines.append(f"  {week.start:%d/%m/%Y}  {cells}")
    return "\n".join(lines) + "\n"
