"""silver/experiments: A/B experiment definitions, one row per experiment (latest update wins).

An experiment is exported when it is declared and again whenever it changes; the row with the
latest `updated_at` wins, ties broken by the latest landed line. Partitioned by the UTC date
the experiment starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import UPDATE_ORDER
from livelake.jobs.silver.history import latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import EXPERIMENTS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = UPDATE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/experiments lines of one delivery -> (experiments, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    dated = clean.withColumn("start_date", F.to_date("start_at"))
    kept, dropped = latest_per_key(dated, TABLE.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
