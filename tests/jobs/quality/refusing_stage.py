"""A stage module for the runner test: stages `silver/views` with a duplicated key."""

from __future__ import annotations

from datetime import date

from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake.tables.silver import VIEWS


def run(ctx, day: date) -> StageReport:
    from pyspark.sql.types import StructField, StructType

    from tests.jobs.quality.view_rows import view_row

    schema = StructType([StructField(f.name, f.dataType, True) for f in VIEWS.spark_schema()])
    rows = [view_row("e1"), view_row("e1", line_number=2)]
    df = ctx.spark.createDataFrame([[r[c] for c in VIEWS.column_names] for r in rows], schema)
    staged = ctx.lake.stage(VIEWS, df, "replace_partitions", [day])
    publication = publish(ctx.job("silver", day), "silver", day, [staged])
    return StageReport("silver", day, "ok", [TableCounts("silver/views", 2, 2)], publication.gate)
