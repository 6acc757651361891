"""The feature catalog: every declared feature with its definition and lineage, as Markdown
and as a standalone HTML page (`livelake features catalog --out DIR`).

Generated from the declarations only, so it cannot drift from what the jobs compute.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from livelake.features.declarations import MEASURES, features_of, measure
from livelake.features.feature import (
    CARRIED,
    ENTITIES,
    ENTITY_KEYS,
    WINDOWED,
    Feature,
    aggregate_table,
    feature_table,
)

_HOW = {
    "sum": "sum over the last {w} days",
    "min": "minimum over the last {w} days",
    "max": "maximum over the last {w} days",
    "active_days": "days with a value > 0 among the last {w}",
    "lifetime_sum": "running total since the first day (previous snapshot + day D)",
    "recency_days": "days since the last day with a value > 0 (previous snapshot + 1, or 0)",
    "decay": "previous snapshot × 2^(-1/{h}) + day D (half-life {h} days)",
}


@dataclass(frozen=True)
class Lineage:
    """One feature's definition in words and the chain of tables it comes from."""

    definition: str
    chain: tuple[str, ...]


def lineage(f: Feature) -> Lineage:
    if f.aggregation in WINDOWED | CARRIED:
        m = measure(f.entity, f.inputs[0])
        how = _HOW[f.aggregation].format(
            w=f.window_days, h=f"{f.half_life_days:g}" if f.half_life_days else ""
        )
        grain = " × ".join(ENTITY_KEYS[f.entity])
        return Lineage(
            f"{how} of `{m.name}`",
            (
                f"silver/{m.source}: {m.definition} per {grain} per day",
                f"{aggregate_table(f.entity)}.{m.name}",
                f"{f.table}.{f.name}",
            ),
        )
    if f.aggregation == "profile":
        return Lineage(
            f"`{f.expression}` on the silver/{f.inputs[0]} version valid at the end of the day",
            (f"silver/{f.inputs[0]} (SCD2, as of the day)", f"{f.table}.{f.name}"),
        )
    return Lineage(
        f"`{f.expression}`",
        (*(f"{f.table}.{name}" for name in f.inputs), f"{f.table}.{f.name}"),
    )


def _range(f: Feature) -> str:
    lo = "−∞" if f.min_value is None else f"{f.min_value:g}"
    hi = "∞" if f.max_value is None else f"{f.max_value:g}"
    return f"[{lo}, {hi}]"


def max_age_text(f: Feature) -> str:
    """The feature's staleness limit in training sets, e.g. `2 d`, `12 h` or `any`."""
    if f.max_age is None:
        return "any"
    hours = f.max_age.total_seconds() / 3600
    return f"{hours / 24:g} d" if hours % 24 == 0 else f"{hours:g} h"


def markdown() -> str:
    lines = [
        "# livelake feature catalog",
        "",
        "Generated from `livelake.features` (the only place features are declared). A snapshot",
        "of day D holds events before D+1 00:00 UTC; training sets use it from then on.",
        "Reference a feature as `entity:name`; in training sets it is the column `entity__name`.",
        "A training set gives null for a value whose snapshot is older than its max age at the",
        "label (counted from when the snapshot became usable; Feast's TTL).",
        "",
    ]
    for entity in ENTITIES:
        declared = features_of(entity)
        lines += [
            f"## {entity} — `{feature_table(entity)}` ({len(declared)} features)",
            "",
            f"Keys: {', '.join(ENTITY_KEYS[entity])}, as_of_date. Daily measures: "
            f"`{aggregate_table(entity)}` ({len(MEASURES[entity])} columns).",
            "",
            "| feature | type | aggregation | window | range | max null | max age | description |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in declared:
            window = f"{f.window_days} d" if f.window_days else "—"
            lines.append(
                f"| `{f.name}` | {f.dtype} | {f.aggregation} | {window} | {_range(f)} | "
                f"{f.max_null_fraction:.0%} | {max_age_text(f)} | {f.description} |"
            )
        lines += ["", "### Lineage", ""]
        for f in declared:
            trace = lineage(f)
            lines.append(f"- **{f.reference}** = {trace.definition}; owner {f.owner}  ")
            lines.append("  " + " → ".join(trace.chain))
        lines.append("")
    return "\n".join(lines)


def _code(text: str) -> str:
    """Markdown `code` spans to <code>, everything else escaped."""
    parts = text.split("`")
    return "".join(
        f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts)
    )


def html_page() -> str:
    body = ["<h1>livelake feature catalog</h1>"]
    body.append(
        "<p>Generated from <code>livelake.features</code>. A snapshot of day D holds events "
        "before D+1 00:00 UTC; training sets use it from then on, and give null for a value "
        "whose snapshot is older than its max age at the label (Feast's TTL).</p>"
    )
    for entity in ENTITIES:
        declared = features_of(entity)
        body.append(
            f'<h2 id="{entity}">{entity} — <code>{feature_table(entity)}</code> '
            f"({len(declared)} features)</h2>"
        )
        body.append(
            "<table><tr><th>feature</th><th>type</th><th>aggregation</th><th>window</th>"
            "<th>range</th><th>max null</th><th>max age</th><th>description</th><th>definition</th>"
            "<th>lineage</th></tr>"
        )
        for f in declared:
            trace = lineage(f)
            window = f"{f.window_days} d" if f.window_days else "—"
            cells = [
                f'<code id="{entity}-{f.name}">{f.name}</code>',
                f.dtype,
                f.aggregation,
                window,
                html.escape(_range(f)),
                f"{f.max_null_fraction:.0%}",
                max_age_text(f),
                html.escape(f.description),
                _code(trace.definition),
                " → ".join(_code(step) for step in trace.chain),
            ]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        body.append("</table>")
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}"
        "th{background:#f3f3f3}code{font-size:12px}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>livelake feature catalog</title><style>{style}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def write_catalog(directory: str | Path) -> list[Path]:
    """Write `features.md` and `features.html` into `directory`; returns their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    md, page = out / "features.md", out / "features.html"
    md.write_text(markdown(), encoding="utf-8")
    page.write_text(html_page(), encoding="utf-8")
    return [md, page]
