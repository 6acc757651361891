"""One declaration per silver table: the schema, parser, landing order and gate follow it."""

from __future__ import annotations

from datetime import date

import pytest

from livelake.config import load_settings
from livelake.jobs.quality.derived import derived_expectations
from livelake.jobs.quality.suites import build_suite
from livelake.lake.registry import ForeignKey, key
from livelake.lake.tables.silver import LINEAGE, SILVER, Field, silver_table
from livelake.landing import COLUMNS


def _returns(*extra: Field):
    return silver_table(
        "returns_demo",
        "one row per return",
        (
            Field("return_id", required=True),
            Field("user_id", required=True),
            Field("channel", allowed=("app", "web")),
            Field("refund_cny", "amount"),
            Field("contact_phone", pseudonym="contact_phone_pseudonym", aliases=("tel",)),
            *extra,
            key("return_date", "date", "UTC date of the return: the partition"),
        ),
        keys=("return_id",),
        partition_by=("return_date",),
        foreign_keys=(("user_id", "users"),),
        csv=True,
        description="A table declared only for this test.",
    )


def test_a_field_added_to_the_declaration_reaches_schema_parser_and_gate():
    before, after = _returns(), _returns(Field("carrier", allowed=("sf", "jd")))

    assert after.field_names == [*before.field_names, "carrier"]
    assert after.landed_names["carrier"] == "carrier"
    assert after.spark_schema()["carrier"].dataType.simpleString() == "string"
    [added] = [
        e
        for e in derived_expectations(after, date(2026, 1, 5), 3)
        if e["kwargs"].get("column") == "carrier"
    ]
    assert added["type"] == "expect_column_values_to_be_in_set"
    assert added["kwargs"]["value_set"] == ["sf", "jd"]


def test_landed_fields_become_silver_columns_with_declared_types_and_rules():
    table = _returns()
    columns = {c.name: c for c in table.columns}
    # PII: only the pseudonym reaches silver, and the landed name is not a silver column.
    assert "contact_phone" not in columns and "contact_phone_pseudonym" in columns
    assert table.landed_names["tel"] == "contact_phone"
    assert columns["refund_cny"].type == "decimal(18,2)"
    assert columns["refund_cny"].bounds == (0, 1_000_000)
    assert not columns["return_id"].nullable and columns["channel"].nullable
    # a source is its landing folder's name: any source mapping's, so no fixed set
    assert not columns["source"].nullable and columns["source"].allowed == ()
    assert table.columns[-len(LINEAGE) :] == LINEAGE  # lineage closes every silver table
    assert table.foreign_keys == (ForeignKey("user_id", "silver/users"),)


def test_a_foreign_key_must_name_a_declared_column():
    with pytest.raises(ValueError, match="foreign keys"):
        silver_table(
            "broken_demo",
            "one row per nothing",
            (Field("thing_id", required=True),),
            keys=("thing_id",),
            foreign_keys=(("user_id", "users"),),
            csv=True,
            description="",
        )


@pytest.mark.parametrize("name", SILVER)
def test_landing_order_and_gate_references_come_from_the_same_declaration(name):
    table = SILVER[name]
    assert COLUMNS[name] == tuple(table.field_names)
    suite = build_suite(load_settings(), table, date(2026, 1, 5))
    assert [(r.column, r.target.qualified_name, r.when) for r in suite.references] == [
        (fk.column, fk.references, fk.when) for fk in table.foreign_keys
    ]
