"""The reliability plot of the model card: observed vs predicted conversion per calibration bin,
as a small standalone SVG (no plotting library, opens offline, diffable in review).

Both axes span 0 to the largest rate in the table, not 0 to 1: at a ~0.2% base rate a unit
square would squeeze every bin into its corner.
"""

from __future__ import annotations

from typing import Any

SIZE = 320  # plot square, px
MARGIN = 48


def reliability_svg(table: list[dict[str, Any]]) -> str:
    """Points at (mean predicted, observed rate) per bin; on the dashed diagonal is perfect."""
    top = max(max(b["mean_predicted"], b["observed_rate"]) for b in table) * 1.1 or 1.0

    def x(rate: float) -> float:
        return MARGIN + rate / top * SIZE

    def y(rate: float) -> float:
        return MARGIN + SIZE - rate / top * SIZE

    ticks = [top * i / 4 for i in range(5)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE + 2 * MARGIN}" '
        f'height="{SIZE + 2 * MARGIN}" font-family="sans-serif" font-size="11">',
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{SIZE}" height="{SIZE}" fill="none" '
        'stroke="#999"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(top)}" y2="{y(top)}" stroke="#999" '
        'stroke-dasharray="4 4"/>',
        *(
            f'<text x="{x(t):.1f}" y="{MARGIN + SIZE + 16}" text-anchor="middle">{t:.2%}</text>'
            f'<text x="{MARGIN - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.2%}</text>'
            for t in ticks
        ),
        f'<text x="{MARGIN + SIZE / 2}" y="{SIZE + 2 * MARGIN - 6}" text-anchor="middle">'
        "mean predicted conversion</text>",
        f'<text x="12" y="{MARGIN + SIZE / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {MARGIN + SIZE / 2})">observed conversion</text>',
        '<polyline fill="none" stroke="#1f77b4" points="'
        + " ".join(f"{x(b['mean_predicted']):.1f},{y(b['observed_rate']):.1f}" for b in table)
        + '"/>',
        *(
            f'<circle cx="{x(b["mean_predicted"]):.1f}" cy="{y(b["observed_rate"]):.1f}" r="4" '
            f'fill="#1f77b4"><title>bin {b["bin"]}: {b["rows"]} rows, predicted '
            f"{b['mean_predicted']:.3%}, observed {b['observed_rate']:.3%}</title></circle>"
            for b in table
        ),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
