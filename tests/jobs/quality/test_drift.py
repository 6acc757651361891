"""Drift: metrics measured in one pass, compared with the trailing days of published runs."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from livelake.jobs.quality.drift import DriftPolicy, band, drift_expectations
from livelake.jobs.quality.metrics import DAY_ROWS, compute_metrics, day_partition, tracked
from livelake.lake import RunContext
from livelake.lake.tables.audit import METRIC_HISTORY, PUBLISHED_RUNS
from livelake.lake.tables.gold import SNAPSHOTS
from livelake.lake.tables.kpi import KPI_DAILY
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import view_row

DAY = date(2026, 1, 10)


def test_metrics_of_a_table_come_from_one_pass_over_the_rows_of_its_day(views_frame):
    day, late = date(2026, 1, 2), date(2026, 1, 1)
    df = views_frame(
        [
            view_row("e1", dwell_seconds=10),
            view_row("e2", dwell_seconds=None),
            # a late row restaged the day before's partition: counted, but not measured
            view_row("e3", dwell_seconds=9000, event_date=late, user_id="someone-else"),
        ]
    )
    assert {r["event_date"] for r in df.collect()} == {day, late}
    rows = pa.Table.from_pandas(df.toPandas(), schema=VIEWS.arrow_schema(), preserve_index=False)
    metrics = compute_metrics(rows.select, VIEWS, day, rows.num_rows, width=2)
    found = {(m.column, m.metric): m.value for m in metrics}
    assert found[("*", "row_count")] == 3.0
    assert found[("dwell_seconds", "mean")] == 10.0
    assert found[("dwell_seconds", "null_fraction")] == 0.5
    assert found[("user_id", "distinct_count")] == 1.0
    assert found[("event_date", "day_row_count")] == 2.0
    assert ("line_number", "mean") not in found  # lineage is not tracked


def _history(
    lake,
    day,
    run_id,
    mean,
    published=True,
    column="dwell_seconds",
    metric="mean",
    table=VIEWS,
    day_rows=1000.0,
):
    """One run's metric, and the rows of its day (enough for drift checks unless told)."""
    now = datetime.now(UTC)
    run = RunContext(job="test", run_id=run_id)
    part = day_partition(table)
    metrics = [(column, metric, mean), (part, DAY_ROWS, day_rows)]
    lake.append_records(
        METRIC_HISTORY,
        [
            {
                "run_id": run_id,
                "day": day,
                "stage": "silver",
                "table_name": table.qualified_name,
                "column_name": name,
                "metric": kind,
                "value": value,
                "recorded_at": now,
            }
            for name, kind, value in metrics
        ],
        run,
    )
    if published:
        lake.append_records(
            PUBLISHED_RUNS,
            [
                {
                    "run_id": run_id,
                    "day": day,
                    "stage": "silver",
                    "table_name": table.qualified_name,
                    "table_version": 1,
                    "rows": 10,
                    "published_at": now,
                }
            ],
            run,
        )


def test_the_baseline_uses_only_published_runs_of_the_trailing_days(lake, lake_root):
    for offset, mean in ((1, 40.0), (2, 50.0), (3, 30.0), (9, 5000.0)):
        _history(lake, DAY - timedelta(days=offset), f"r{offset}", mean)
    _history(lake, DAY - timedelta(days=1), "refused", 9000.0, published=False)

    [check] = drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy())
    assert check["type"] == "expect_column_mean_to_be_between"
    # 30, 50, 40 on the three days before DAY: mean 40, trend 50 at DAY; 40 - 50%, 50 + 50%
    assert check["kwargs"] == {
        "column": "dwell_seconds",
        "min_value": 20.0,
        "max_value": 75.0,
    }
    assert check["meta"]["severity"] == "warn"
    # judged on the rows of the run's own day, as the metrics were measured
    assert check["meta"]["scope"] == "run_day"


def _seed(lake, values, column="dwell_seconds", metric="mean", table=VIEWS, day_rows=1000.0):
    """One published run per day before DAY, oldest first, with `values` of one metric."""
    for offset, value in enumerate(reversed(values), start=1):
        _history(
            lake,
            DAY - timedelta(days=offset),
            f"r{offset}",
            value,
            True,
            column,
            metric,
            table,
            day_rows,
        )


def _bounds(lake_root, expectation_type, table=VIEWS):
    (check,) = [
        e
        for e in drift_expectations(str(lake_root), table, DAY, DriftPolicy())
        if e["type"] == expectation_type
    ]
    return check["kwargs"]["min_value"], check["kwargs"]["max_value"]


MEAN = "expect_column_mean_to_be_between"
DISTINCT = "expect_column_unique_value_count_to_be_between"


def test_a_window_still_filling_raises_no_warning(lake, lake_root):
    # A 30-day window on a young lake: its mean grows by 10 a day, so DAY's 80 is normal
    # (the trailing mean, 40, alone would have flagged it: at most 60).
    _seed(lake, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0])
    low, high = _bounds(lake_root, MEAN)
    assert (low, high) == (20.0, 120.0)
    assert low <= 80.0 <= high


def test_distinct_ids_that_grow_with_the_data_raise_no_warning(lake, lake_root):
    _seed(lake, [100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0], "user_id", "distinct_count")
    low, high = _bounds(lake_root, DISTINCT)
    assert (low, high) == (65, 256)
    assert low <= 170 <= high


def test_a_collapse_or_a_shift_after_a_steady_history_raises_one_warning(lake, lake_root):
    _seed(lake, [50.0, 52.0, 48.0, 50.0, 51.0, 49.0, 50.0])
    low, high = _bounds(lake_root, MEAN)
    assert round(low, 6) == 24.785714 and high == 75.0  # trend 49.57, mean 50
    assert not low <= 5.0 <= high  # collapsed to a tenth
    assert not low <= 100.0 <= high  # distribution shifted: doubled


def test_a_key_is_not_drift_checked(lake, lake_root):
    # event_id is the key of silver/views: its distinct count is the row count, and its
    # uniqueness an error rule of its own.
    _seed(lake, [100.0, 200.0, 300.0], "event_id", "distinct_count")
    assert drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy()) == []


def test_too_short_a_history_checks_nothing(lake, lake_root):
    _history(lake, DAY - timedelta(days=1), "r1", 40.0)
    assert drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy()) == []


FEATURES = SNAPSHOTS["user"]


def test_a_feature_window_still_filling_is_checked_only_for_a_fall(lake, lake_root):
    # visits_30d on a lake 7 days old: it grows faster than its trend says, which is normal.
    _seed(lake, [10.0, 11.0, 13.0, 16.0, 20.0, 25.0, 31.0], "visits_30d", table=FEATURES)
    low, high = _bounds(lake_root, MEAN, FEATURES)
    assert high is None
    assert 5.0 < low < 18.0  # a collapse to a few visits still warns
    (check,) = drift_expectations(str(lake_root), FEATURES, DAY, DriftPolicy())
    assert check["meta"]["rule"].endswith("from below only: its 30-day window is still filling")


def test_a_full_window_is_checked_both_ways(lake, lake_root):
    # visits_1d levels off after its 1-day window and the 7 trailing days: on a lake 9 days
    # old it is checked both ways.
    history = [20.0, 21.0, 19.0, 20.0, 22.0, 20.0, 21.0, 20.0, 19.0]
    _seed(lake, history, "visits_1d", table=FEATURES)
    low, high = _bounds(lake_root, MEAN, FEATURES)
    assert high is not None and low < 20.0 < high < 40.0


def test_a_lifetime_sum_is_only_ever_checked_for_a_fall(lake, lake_root):
    values = [float(v) for v in range(100, 130)]  # 30 days of a steadily growing lifetime sum
    _seed(lake, values, "lifetime_paid_orders", table=FEATURES)
    low, high = _bounds(lake_root, MEAN, FEATURES)
    assert high is None and 0 < low < 130.0


def test_a_rare_count_moving_by_chance_raises_nothing_but_its_collapse_would_not_hide(
    lake, lake_root
):
    # 0-4 invites a day among 2,000 users: the mean jumps by far more than 50% by chance.
    for offset, (mean, sd) in enumerate(((0.001, 0.032), (0.0, 0.0), (0.002, 0.045)), start=1):
        day = DAY - timedelta(days=offset)
        _history(lake, day, f"m{offset}", mean, day_rows=2000.0)
        _history(lake, day, f"s{offset}", sd, metric="stddev", day_rows=2000.0)
    low, high = _bounds(lake_root, MEAN)
    error = (0.032 + 0.0 + 0.045) / 3 / math.sqrt(2000)  # standard error of the day's mean
    assert high == pytest.approx(0.001 + 4 * error) and low < 0  # 0 and 0.004 are normal
    (check,) = drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy())
    assert "(or 4 sampling errors)" in check["meta"]["rule"]


@pytest.mark.parametrize(
    ("rate", "flagged"),
    [
        (0.002, ("ten times",)),  # ~4 events a day: losing them is within chance
        (0.5, ("ten times", "a tenth")),  # ~1,000 events a day
    ],
    ids=["rare", "common"],
)
def test_the_band_flags_shifts_and_not_chance_in_a_simulation_with_a_known_answer(rate, flagged):
    """Poisson counts per user, 2,000 users a day: at a steady rate today is inside the band
    on nearly every day; a shift the day's sampling error cannot explain is outside."""
    rng = np.random.default_rng(7)
    users, trials = 2000, 400

    def day_stats(r):
        counts = rng.poisson(r, users)
        return counts.mean(), counts.std(ddof=1)

    alarms = dict.fromkeys(("steady", "ten times", "a tenth"), 0)
    for _ in range(trials):
        history = [day_stats(rate) for _ in range(7)]
        dated = [(DAY - timedelta(days=7 - i), m) for i, (m, _) in enumerate(history)]
        error = sum(sd for _, sd in history) / 7 / math.sqrt(users)
        normal = band(dated, DAY, DriftPolicy(), error)
        for case, today in (("steady", rate), ("ten times", 10 * rate), ("a tenth", rate / 10)):
            value = day_stats(today)[0]
            alarms[case] += not normal.min_value <= value <= normal.max_value
    assert alarms["steady"] / trials <= 0.02  # a false warning on at most 1 day in 50
    assert all(alarms[case] / trials >= 0.99 for case in flagged), alarms


def test_kpi_values_in_mixed_units_have_no_mean_but_keep_their_null_fraction():
    pairs = set(tracked(KPI_DAILY))
    assert ("gap_to_target", "mean") not in pairs and ("value", "mean") not in pairs
    assert ("gap_to_target", "null_fraction") in pairs


def test_through_the_gate_restaged_late_rows_are_not_measured_and_a_shift_warns(
    spark, lake_root, views_frame, monkeypatch, tmp_path
):
    """End to end: GE evaluates the drift rules on the rows of the run's own day."""
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.jobs.publish import publish

    folder = tmp_path / "suites" / "silver"
    folder.mkdir(parents=True)
    (folder / "views.json").write_text('{"name": "silver.views", "expectations": []}')
    monkeypatch.setenv("LIVELAKE_EXPECTATIONS_DIR", str(tmp_path / "suites"))
    settings.cache_clear()
    first = date(2026, 1, 1)

    def rows(day, dwell, of=None):
        of = of or day
        return [
            view_row(
                f"{of}-{day}-{i}",
                event_date=of,
                delivery_date=day,
                event_time=datetime(of.year, of.month, of.day, 10, tzinfo=UTC),
                dwell_seconds=dwell,
                line_number=i,
            )
            for i in range(120)
        ]

    def run(day, frame_rows, partitions):
        ctx = JobContext.create(settings(), job="test.drift", spark=spark).job("silver", day)
        staged = ctx.lake.stage(VIEWS, views_frame(frame_rows), "replace_partitions", partitions)
        return publish(ctx, "silver", day, [staged]).gate

    for offset, dwell in enumerate((40, 42, 41)):
        day = first + timedelta(days=offset)
        assert run(day, rows(day, dwell), [day]).failed_warning == 0
    # Day 4 restages day 1's partition for late rows of a very different dwell: not measured.
    day4 = first + timedelta(days=3)
    late = rows(day4, 4000, of=first)
    gate = run(day4, rows(day4, 41) + late, [day4, first])
    assert (gate.verdict, gate.failed_warning) == ("passed", 0)
    # silver.views on every staged row, silver.views.run_day (drift, day rows) on day 4's
    assert gate.suites == 2
    # Day 5's own dwell times shift tenfold: one warning, on that column, published anyway.
    day5 = first + timedelta(days=4)
    gate = run(day5, rows(day5, 410), [day5])
    assert (gate.verdict, gate.failed_warning) == ("passed with warnings", 1)
    assert "dwell_seconds" in " ".join(gate.failures)
