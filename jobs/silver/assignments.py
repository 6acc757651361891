"""silver/assignments: which variant of an experiment each unit saw, from its first exposure.

Besides the declared field rules, a line must agree with its experiment (from the
experiments published or staged for the same delivery):
- its variant is one of the experiment's declared variants (`invalid_value`);
- it was exposed inside the experiment's window [start_at, end_at) (`outside_window`);
- its unit is not given two different variants in the delivery (`conflicting_assignment`:
  every line of that unit is quarantined, since neither variant can be trusted), nor a
  variant other than the one an earlier delivery gave it (`conflicting_assignment`: the
  first assignment stands).
A unit's assignment landed twice with the same variant keeps its latest landed line; one an
earlier delivery already published is a duplicate (the first exposure stands).
Partitioned by the UTC date of the exposure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import UPDATE_ORDER
from livelake.jobs.silver.history import latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, check, split
from livelake.lake.tables.silver import ASSIGNMENTS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

ORDER = UPDATE_ORDER
#: The experiments' columns these rules read, besides the key (see `stage._staged_keys`).
KNOWN_COLUMNS = {"experiments": ("variants", "start_at", "end_at")}
#: What the rules read of the assignments earlier deliveries published.
EARLIER_COLUMNS = ("experiment_id", "unit_id", "variant")
UNIT = ["experiment_id", "unit_id"]


def _experiment_rules(checked: DataFrame, experiments: DataFrame, earlier: DataFrame) -> DataFrame:
    """`checked` with the first experiment rule each still-clean line breaks as its reason."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    definitions = experiments.select(
        F.col("key").alias("_experiment"),
        F.transform(
            F.split("variants", r"\|"), lambda pair: F.trim(F.split(pair, ":").getItem(0))
        ).alias("_variants"),
        F.col("start_at").alias("_start_at"),
        F.col("end_at").alias("_end_at"),
    )
    joined = checked.join(
        F.broadcast(definitions), checked["experiment_id"] == definitions["_experiment"], "left"
    ).join(earlier.withColumnRenamed("variant", "_earlier_variant"), UNIT, "left")
    clean = F.col("_reason").isNull()
    unit = Window.partitionBy("experiment_id", "unit_id")
    variants_of_unit = F.size(F.collect_set(F.when(clean, F.col("variant"))).over(unit))
    rules: list[tuple[Column, str, Column]] = [
        (
            ~F.array_contains("_variants", F.col("variant")),
            "invalid_value",
            F.format_string(
                "variant %s is not one of experiment %s's variants (%s)",
                "variant",
                "experiment_id",
                F.array_join("_variants", ", "),
            ),
        ),
        (
            (F.col("exposed_at") < F.col("_start_at")) | (F.col("exposed_at") >= F.col("_end_at")),
            "outside_window",
            F.format_string(
                "exposed_at %s is outside experiment %s's window [%s, %s)",
                F.date_format("exposed_at", "yyyy-MM-dd'T'HH:mm:ss'Z'"),
                "experiment_id",
                F.date_format("_start_at", "yyyy-MM-dd'T'HH:mm:ss'Z'"),
                F.date_format("_end_at", "yyyy-MM-dd'T'HH:mm:ss'Z'"),
            ),
        ),
        (
            F.col("_earlier_variant").isNotNull() & (F.col("_earlier_variant") != F.col("variant")),
            "conflicting_assignment",
            F.format_string(
                "unit %s was assigned to variant %s of experiment %s by an earlier delivery, "
                "not %s",
                "unit_id",
                "_earlier_variant",
                "experiment_id",
                "variant",
            ),
        ),
        (
            variants_of_unit > 1,
            "conflicting_assignment",
            F.format_string(
                "unit %s is assigned to %d different variants of experiment %s",
                "unit_id",
                variants_of_unit,
                "experiment_id",
            ),
        ),
    ]
    reason, rule = F.col("_reason"), F.col("_rule")
    for broken, name, text in reversed(rules):  # the first rule broken wins
        hit = clean & broken
        reason, rule = F.when(hit, F.lit(name)).otherwise(reason), F.when(hit, text).otherwise(rule)
    # An unknown experiment is already `unknown_fk` (its definition is null here).
    return joined.select(*checked.columns[:-2], reason.alias("_reason"), rule.alias("_rule"))


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/assignments lines of one delivery -> (assignments, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    earlier = env.known[TABLE.name]
    checked = _experiment_rules(check(bronze, TABLE, env), env.known["experiments"], earlier)
    clean, quarantine = split(checked, TABLE, env)
    dated = clean.withColumn("exposure_date", F.to_date("exposed_at"))
    kept, dropped = latest_per_key(dated, TABLE.keys, ORDER)
    # Published by an earlier delivery with the same variant (a different one was quarantined)
    repeated = kept.join(earlier.select(*UNIT), UNIT, "left_semi")
    first = kept.join(earlier.select(*UNIT), UNIT, "left_anti")
    return Conformed(first, quarantine, dropped.unionByName(repeated))
