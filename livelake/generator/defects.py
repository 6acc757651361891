"""Defects at known rates, and the ground truth about each one.

Two stages. `mark_events` chooses, per stream and day, which rows carry which defect (each
row at most one) and applies the defects that change values (late delivery, old or future
timestamps, null/unknown ids, bad amounts, the wrong first version of a re-sent event).
`event_file_lines` then serialises one hourly file and applies the defects that only exist
as bytes (malformed lines, an extra field, exact duplicate lines, re-sent lines), returning
every defect with its final 1-based line number for the manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from livelake.generator.catalog import DAY_MS
from livelake.generator.experiments import CLEAN_DUPLICATE_KINDS
from livelake.landing import csv_lines, jsonl_lines, to_landing_columns

HOUR_MS = 3_600_000
#: Required ids per stream that a null_fk / unknown_fk defect may hit.
FK_COLUMNS = {
    "views": ("user_id", "session_id"),
    "interactions": ("user_id", "session_id"),
    "cart_events": ("user_id", "session_id", "product_id"),
    "orders": ("user_id", "session_id", "product_id", "anchor_id"),
}
UNKNOWN_ID_PREFIX = "zz-"
DRIFT_FIELD = "promo_tag"
DRIFT_SUFFIX = b',"promo_tag":"double11"}'
LATE_DELAYS_DAYS = (1, 3)
TOO_LATE_DAYS = (4, 7)  # event time moved back 4..6 days: older than the 3-day watermark
#: Kinds whose line is still a clean event (published once, after dedup).
CLEAN_KINDS = {None, "late", "schema_drift", "resent_event_id", "duplicate_exact"}
#: Export tables whose rows no other row refers to: only these get truncated rows.
TRUNCATABLE_EXPORTS = ("social", "after_sales")
TRUNCATABLE_AFTER_FIRST_DAY = ("users", "anchors")


@dataclass
class MarkedStream:
    """A stream's rows for one event day, with `_defect`, `_detail`, `_delivery` (day index),
    `_file_hour` and `_sort` (true event time) columns, plus the true rows of re-sent events."""

    rows: pl.DataFrame
    resent_truth: pl.DataFrame


def _eligible(stream: str, kind: str, frame: pl.DataFrame) -> np.ndarray:
    ok = ~frame["_protected"].to_numpy()
    if kind == "resent_event_id":
        if stream == "views":
            return ok & (frame["event_type"] == "leave").to_numpy()
        return ok & (stream == "cart_events")
    return ok


def mark_events(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    stream: str,
    rates: dict[str, float],
    day_index: int,
    last_day_index: int,
) -> MarkedStream:
    """Choose and apply value-level defects for one stream's rows of one event day."""
    n = frame.height
    truth_ms = frame["event_time"].to_numpy()
    kind = np.full(n, None, dtype=object)
    taken = np.zeros(n, dtype=bool)
    order = rng.permutation(n)
    late_delays = [k for k in LATE_DELAYS_DAYS if day_index + k <= last_day_index]
    for name in sorted(rates):
        count = int(rates[name] * n + rng.random())  # unbiased rounding
        if count == 0 or (name == "late" and not late_delays):
            continue
        allowed = _eligible(stream, name, frame) & ~taken
        chosen = order[allowed[order]][:count]
        kind[chosen] = name
        taken[chosen] = True

    detail = np.full(n, None, dtype=object)
    delivery = np.full(n, day_index, dtype=np.int64)
    event_ms = truth_ms.copy()
    file_hour = (truth_ms % DAY_MS) // HOUR_MS

    late = kind == "late"
    if late.any():
        delivery[late] += rng.choice(late_delays, int(late.sum()))
    too_late = kind == "too_late"
    event_ms[too_late] -= rng.integers(*TOO_LATE_DAYS, int(too_late.sum())) * DAY_MS
    skew = kind == "clock_skew"
    hour_end = truth_ms - truth_ms % HOUR_MS + HOUR_MS
    event_ms[skew] = hour_end[skew] + rng.integers(16 * 60_000, 3 * HOUR_MS, int(skew.sum()))
    for defect_kind in ("late", "too_late"):
        mask = kind == defect_kind
        detail[mask] = [
            str(np.datetime64(int(t), "ms").astype("datetime64[D]")) for t in event_ms[mask]
        ]

    columns = FK_COLUMNS[stream]
    fk_choice = np.array(columns)[rng.integers(0, len(columns), n)]
    updates: list[pl.Expr] = [pl.lit(pl.Series(event_ms)).alias("event_time")]
    for column in columns:
        nulls = pl.Series((kind == "null_fk") & (fk_choice == column))
        unknown = pl.Series((kind == "unknown_fk") & (fk_choice == column))
        updates.append(
            pl.when(pl.lit(nulls))
            .then(None)
            .when(pl.lit(unknown))
            .then(UNKNOWN_ID_PREFIX + pl.col(column))
            .otherwise(pl.col(column))
            .alias(column)
        )
    fk_hit = np.isin(kind, ["null_fk", "unknown_fk"])
    detail[fk_hit] = fk_choice[fk_hit]
    if stream == "orders":
        negative = pl.Series(kind == "negative_amount")
        absurd = kind == "absurd_amount"
        absurd_value = np.round(1_000_000 + rng.uniform(1.0, 9_000_000.0, n), 2)
        updates.append(
            pl.when(pl.lit(negative))
            .then(-pl.col("amount_cny").abs() - 0.01)
            .when(pl.lit(pl.Series(absurd)))
            .then(pl.lit(pl.Series(absurd_value)))
            .otherwise(pl.col("amount_cny"))
            .alias("amount_cny")
        )
        detail[np.isin(kind, ["negative_amount", "absurd_amount"])] = "amount_cny"
    resent = pl.Series(kind == "resent_event_id")
    if stream == "views":  # the first version had the wrong dwell time
        updates.append(
            pl.when(pl.lit(resent))
            .then(pl.col("dwell_seconds") + 7)
            .otherwise(pl.col("dwell_seconds"))
            .alias("dwell_seconds")
        )
    elif stream == "cart_events":  # the first version had the wrong quantity
        updates.append(
            pl.when(pl.lit(resent))
            .then(pl.col("quantity") + 1)
            .otherwise(pl.col("quantity"))
            .alias("quantity")
        )
    marks = pl.DataFrame(
        {
            "_defect": pl.Series(kind.tolist(), dtype=pl.String),
            "_detail": pl.Series(detail.tolist(), dtype=pl.String),
            "_delivery": delivery,
            "_file_hour": file_hour,
            "_sort": truth_ms,
        }
    )
    truth = pl.concat([frame, marks], how="horizontal")
    return MarkedStream(
        rows=truth.with_columns(updates),
        resent_truth=truth.filter(resent),
    )


def event_file_lines(
    stream: str, rows: pl.DataFrame, resent_truth: pl.DataFrame
) -> tuple[list[bytes], list[dict[str, object]], dict[str, int]]:
    """Serialise one hourly file: lines, defects (with final line numbers) and the clean
    event count per event date. `rows` must already be in file order."""
    lines = jsonl_lines(to_landing_columns(rows, stream))
    kinds = rows["_defect"].to_list()
    details = rows["_detail"].to_list()
    event_ids = rows["event_id"].to_list()
    resent_lines = dict(
        zip(
            resent_truth["event_id"].to_list(),
            jsonl_lines(to_landing_columns(resent_truth, stream)),
            strict=True,
        )
    )
    extras: dict[int, tuple[bytes, str]] = {}
    for i in np.flatnonzero(rows["_defect"].is_not_null().to_numpy()):
        k = kinds[i]
        if k == "malformed_json":
            lines[i] = lines[i][: len(lines[i]) // 2]
        elif k == "schema_drift":
            lines[i] = lines[i][:-1] + DRIFT_SUFFIX
        elif k == "duplicate_exact":
            extras[int(i)] = (lines[i], k)
        elif k == "resent_event_id":
            extras[int(i)] = (resent_lines[event_ids[i]], k)

    after = np.array(sorted(extras), dtype=np.int64)
    out: list[bytes] = []
    previous = 0
    for i in after:
        out.extend(lines[previous : i + 1])
        out.append(extras[int(i)][0])
        previous = int(i) + 1
    out.extend(lines[previous:])

    def line_of(i: int) -> int:
        return i + 1 + int(np.searchsorted(after, i, side="left"))

    defects: list[dict[str, object]] = []
    for i in np.flatnonzero(rows["_defect"].is_not_null().to_numpy()):
        k, line = kinds[i], line_of(int(i))
        if k in ("duplicate_exact", "resent_event_id"):
            defects.append(
                {"line": line + 1, "kind": k, "original_line": line, "event_id": event_ids[i]}
            )
            continue
        entry: dict[str, object] = {"line": line, "kind": k, "event_id": event_ids[i]}
        if k in ("late", "too_late"):
            entry["event_date"] = details[i]
        elif k in ("null_fk", "unknown_fk", "negative_amount", "absurd_amount"):
            entry["column"] = details[i]
        elif k == "schema_drift":
            entry["field"] = DRIFT_FIELD
        defects.append(entry)

    clean = rows.filter(
        pl.col("_defect").is_null() | pl.col("_defect").is_in(sorted(CLEAN_KINDS - {None}))
    )
    by_date = (
        clean.group_by((pl.col("event_time") // DAY_MS).alias("day")).len().sort("day").to_dicts()
    )
    counts = {str(np.datetime64(int(r["day"]), "D")): int(r["len"]) for r in by_date}
    return out, defects, counts


def export_file_lines(
    rng: np.random.Generator,
    table: str,
    frame: pl.DataFrame,
    rate: float,
    day_index: int,
    planted: Sequence[tuple[int, str]] = (),
    lost: int = 0,
) -> tuple[list[bytes], list[dict[str, object]], int]:
    """Serialise one export; cut some rows short. Returns lines, defects, clean row count.

    `planted` are defects the simulation put into rows (row index, kind): lines silver must
    quarantine, or drop as duplicates (`CLEAN_DUPLICATE_KINDS`, clean lines); `lost` lines
    never reached the file (named, not counted)."""
    lines = csv_lines(to_landing_columns(frame, table))
    truncatable = table in TRUNCATABLE_EXPORTS or (
        day_index > 0 and table in TRUNCATABLE_AFTER_FIRST_DAY
    )
    count = round(rate * frame.height) if truncatable else 0
    defects: list[dict[str, object]] = []
    for row in np.sort(rng.permutation(frame.height)[:count]):
        line = int(row) + 2  # the header is line 1
        lines[line - 1] = lines[line - 1].rsplit(b",", 2)[0]
        defects.append({"line": line, "kind": "truncated_csv"})
    defects += [{"line": row + 2, "kind": kind} for row, kind in sorted(planted)]
    if lost:
        defects.append({"kind": "lost_lines", "lines": lost})
    quarantined = sum(kind not in CLEAN_DUPLICATE_KINDS for _, kind in planted)
    return lines, defects, frame.height - count - quarantined
