"""The mart against the generator: on generated, defect-free data the catalog's funnel
metrics equal the generator's calibration queries (`livelake.generator.calibration`, run in
DuckDB on the same day's rows) and recover the calibration the generator was built to (plan
figures)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from livelake.generator import GeneratorConfig, generate
from livelake.generator.calibration import evaluate_duckdb, register_landing
from livelake.jobs.gold.kpi import measures, metric_rows
from livelake.kpi_catalog import METRICS
from livelake.lake.tables.gold import CONVERSION_SCORES
from livelake.lake.tables.silver import SILVER
from tests.jobs.gold.kpi_data import complete

pytestmark = pytest.mark.slow
START = date(2026, 1, 1)
DAYS = 2
SMALL = {"start": START, "days": DAYS, "users": 600, "events_per_day": 4_000}
# The calibration query each catalog metric declares it equals; ours is in percent.
SAME_AS = {m.name: m.same_as for m in METRICS if m.same_as}


def _ts(column: str) -> str:
    return f"CAST(replace(NULLIF({column}, ''), 'Z', '') AS TIMESTAMP)"


# Silver-shaped rows from the landed files (defect-free, so silver would publish them as is).
SILVER_SQL = {
    "views": "SELECT *, CAST(event_time AS DATE) AS event_date FROM views",
    "orders": "SELECT *, CAST(event_time AS DATE) AS event_date FROM orders",
    "cart_events": "SELECT *, CAST(event_time AS DATE) AS event_date FROM cart_events",
    "live_sessions": f"""
        SELECT session_id, anchor_id, category, title, {_ts("started_at")} AS started_at,
               {_ts("ended_at")} AS ended_at, {_ts("updated_at")} AS updated_at,
               CAST({_ts("started_at")} AS DATE) AS session_date
        FROM live_sessions
        QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY updated_at DESC) = 1""",
    "anchors": f"""
        SELECT anchor_id, anchor_name, tier, CAST(followers AS BIGINT) AS followers,
               main_category, {_ts("updated_at")} AS updated_at,
               {_ts("updated_at")} AS valid_from,
               lead({_ts("updated_at")}) OVER (PARTITION BY anchor_id ORDER BY updated_at)
                   AS valid_to
        FROM anchors""",
}


def _utc(value):
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else value


def _silver_frames(spark, con) -> dict:
    frames = {}
    for name, declared in SILVER.items():
        rows: list[dict] = []
        if name in SILVER_SQL:
            cursor = con.execute(SILVER_SQL[name])
            columns = [d[0] for d in cursor.description]
            rows = [
                {c: _utc(v) for c, v in zip(columns, r, strict=True) if c in declared.column_names}
                for r in cursor.fetchall()
            ]
            for row in rows:
                if row.get("dwell_seconds") is not None:
                    row["dwell_seconds"] = int(row["dwell_seconds"])
                if row.get("amount_cny") is not None:
                    from decimal import Decimal

                    row["amount_cny"] = Decimal(str(row["amount_cny"])).quantize(Decimal("0.01"))
        filled = complete(name, rows)
        frames[name] = spark.createDataFrame(
            [tuple(r[c] for c in declared.column_names) for r in filled],
            declared.spark_schema(),
        )
    # No model scored these days: the calibration monitor's relation is there, and empty.
    frames["conversion_scores"] = spark.createDataFrame([], CONVERSION_SCORES.spark_schema())
    return frames


@pytest.fixture(scope="module")
def generated(spark, tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    generate(GeneratorConfig.without_defects(seed=11, **SMALL), Path(landing))
    con = duckdb.connect()
    register_landing(con, Path(landing))
    return con, _silver_frames(spark, con)


def _generator_metrics_on(con, day: date) -> dict:
    """The generator's calibration queries evaluated on the events of `day` only."""
    con.execute("CREATE SCHEMA IF NOT EXISTS one_day")
    for stream in ("views", "orders", "cart_events"):
        con.execute(
            f"CREATE OR REPLACE VIEW one_day.{stream} AS SELECT * FROM main.{stream} "
            f"WHERE CAST(event_time AS DATE) = DATE '{day}'"
        )
    for table in ("live_sessions", "anchors"):
        con.execute(f"CREATE OR REPLACE VIEW one_day.{table} AS SELECT * FROM main.{table}")
    con.execute("SET search_path = 'one_day'")
    try:
        return evaluate_duckdb(con, [*SAME_AS.values(), "conversion_by_anchor_tier"])
    finally:
        con.execute("SET search_path = 'main'")


@pytest.mark.parametrize("offset", range(DAYS))
def test_the_mart_equals_the_generators_definitions_day_by_day(spark, generated, offset):
    assert set(SAME_AS.values()) == {
        "live_room_conversion",
        "add_to_cart_rate",
        "short_visit_share",
        "unpaid_cart_share",
    }
    con, frames = generated
    day = date.fromordinal(START.toordinal() + offset)
    rows = metric_rows(measures(spark, frames, day), day, "calibration")
    ours = {(r["metric"], r["breakdown"], r["breakdown_value"]): r["value"] for r in rows}
    theirs = _generator_metrics_on(con, day)
    for metric, reference in SAME_AS.items():
        assert ours[(metric, "all", "all")] == pytest.approx(theirs[reference] * 100, abs=1e-6)
    for tier, value in theirs["conversion_by_anchor_tier"].items():
        assert ours[("live_room_conversion_pct", "anchor_tier", tier)] == pytest.approx(
            value * 100, abs=1e-6
        )
    # ... and those numbers are the calibration the generator promises (plan figures).
    assert 1.5 <= ours[("live_room_conversion_pct", "all", "all")] <= 4.5
    assert 0.5 <= ours[("add_to_cart_rate_pct", "all", "all")] <= 2.5
    assert ours[("short_visit_share_pct", "all", "all")] > 55
    assert 75 <= ours[("unpaid_cart_share_pct", "all", "all")] <= 95
    head = ours[("live_room_conversion_pct", "anchor_tier", "head")]
    assert head > ours[("live_room_conversion_pct", "anchor_tier", "long_tail")]
