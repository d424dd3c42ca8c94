"""Charts drawn on the server as inline SVG: no script, nothing fetched, so the desk's strict CSP holds.

Colours go in presentation attributes (fill=, stroke=), which a `style-src 'self'` policy allows. A
suppressed cell (under 5) is drawn as an empty outline labelled "< 5": a bar's length must not give
away what its label hides.
"""

from __future__ import annotations

from html import escape

from bot.stats.figures import SUPPRESSED, Row, Week, shown

# Distinct for colour-blind readers (Okabe-Ito), each 3:1 or more on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A6A00", "#56B4E9")
INK, GRID, MUTED = "#1b1b1b", "#d0d4d9", "#4a4a4a"


def _shown_or_zero(count: int) -> int:
    return 0 if shown(count) == SUPPRESSED else count


def weekly_bars(weeks: list[Week], channels: list[str], labels: dict[str, str], title: str) -> str:
    """Stacked bars of conversations started per week and channel, with a legend."""
    width, height, left, bottom, top = 720, 280, 44, 46, 16
    plot_w, plot_h = width - left - 12, height - top - bottom
    totals = [sum(_shown_or_zero(n) for n in week.counts.values()) for week in weeks]
    peak = max([*totals, 5])
    step = plot_w / max(len(weeks), 1)
    bar_w = max(step * 0.6, 4)
    parts = [_open(width, height + 24, title)]
    for tick in _ticks(peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}">'
                     f'{tick}</text>')
    for i, week in enumerate(weeks):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        hidden = []
        for c, channel in enumerate(channels):
            n = week.counts.get(channel, 0)
            if 0 < n and shown(n) == SUPPRESSED:
                hidden.append(labels.get(channel, channel))
                continue
            h = plot_h * n / peak
            y -= h
            if h:
                parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                             f'fill="{PALETTE[c % len(PALETTE)]}"><title>{escape(labels.get(channel, channel))}, '
                             f'{week.start:%d/%m} : {n}</title></rect>')
        if hidden:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="10" '
                         f'fill="{MUTED}">{SUPPRESSED}<title>{escape(", ".join(hidden))} : {SUPPRESSED}</title></text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{week.start:%d/%m}</text>')
    for c, channel in enumerate(channels):
        lx = left + c * 130
        parts.append(f'<rect x="{lx}" y="{height + 4}" width="12" height="12" fill="{PALETTE[c % len(PALETTE)]}"/>'
                     f'<text x="{lx + 18}" y="{height + 14}" font-size="12" fill="{INK}">'
                     f'{escape(labels.get(channel, channel))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(rows: list[Row], title: str, limit: int = 12) -> str:
    """One bar per row (quartiers, aids), longest first; suppressed rows as outlines labelled "< 5"."""
    rows = rows[:limit]
    label_w, width, bar_h, gap = 290, 720, 20, 8
    height = max(len(rows), 1) * (bar_h + gap) + 8
    peak = max([_shown_or_zero(r.count) for r in rows] + [5])
    plot_w = width - label_w - 60
    parts = [_open(width, height, title)]
    for i, row in enumerate(rows):
        y = 4 + i * (bar_h + gap)
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="{INK}">'
                     f'{escape(_short(row.label))}</text>')
        if row.suppressed:
            w = plot_w * 4 / peak
            parts.append(f'<rect class="bar suppressed" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="none" stroke="{MUTED}" stroke-dasharray="3 3"/>')
        else:
            w = plot_w * row.count / peak
            parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="{INK}">'
                     f'{escape(row.value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif">'
            f'<title>{escape(title)}</title>')


def _ticks(peak: int) -> list[int]:
    step = max(1, round(peak / 4))
    return list(range(0, peak + 1, step))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
