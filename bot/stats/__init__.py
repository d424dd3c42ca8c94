"""Anonymous statistics: what a turn counts (events), the figures of a period with small counts suppressed
(figures), server-side SVG charts (charts), CSV and text (export). See docs/stats.md."""
