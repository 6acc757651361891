"""Every declared suite loads, is valid GE, and names only columns its table declares."""

from __future__ import annotations

from datetime import date

import great_expectations as gx
import pytest

from livelake.config import load_settings
from livelake.jobs.quality.declared import SuiteFileError, load_declared
from livelake.jobs.quality.suites import build_suite
from livelake.lake.registry import all_tables
from livelake.lake.tables.silver import SILVER

GATED = all_tables(["silver", "gold"])


@pytest.mark.parametrize("table", GATED, ids=lambda t: t.qualified_name)
def test_each_silver_and_gold_table_has_a_valid_declared_suite(table, lake_root):
    cfg = load_settings()
    declared = load_declared(cfg, table)
    assert declared is not None, f"expectations/{table.layer}/{table.name}.json is missing"
    suite = build_suite(cfg, table, date(2026, 1, 2))
    gx.ExpectationSuite(name=suite.name, expectations=suite.expectations)  # GE validates kwargs
    known = table.column_names + [r.marker for r in suite.references]
    for config in suite.expectations:
        kwargs = config["kwargs"]
        named = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")]
        named += kwargs.get("column_list", [])
        unknown = [c for c in named if c is not None and c not in known]
        assert not unknown, f"{table.name}: {config['type']} names unknown columns {unknown}"
        assert config["meta"]["severity"] in ("error", "warn")
        assert config["meta"].get("rule"), f"{table.name}: {config['type']} has no rule text"


@pytest.mark.parametrize("table", SILVER.values(), ids=lambda t: t.name)
def test_silver_suites_gate_what_the_declaration_quarantines(table):
    """Every allowed-value list, bound and foreign key silver quarantines by is re-checked by
    the gate, from the same declaration; the suite file restates none of them."""
    suite = build_suite(load_settings(), table, date(2026, 1, 2))
    in_set = {
        e["kwargs"]["column"]: e["kwargs"]["value_set"]
        for e in suite.expectations
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert in_set == {c.name: list(c.allowed) for c in table.columns if c.allowed}
    checked = {(fk.column, fk.references, fk.when) for fk in table.foreign_keys}
    gated = {(r.column, r.target.qualified_name, r.when) for r in suite.references}
    assert gated == checked
    for f in table.fields:
        if f.type == "amount":
            [bound] = [
                e
                for e in suite.expectations
                if e["type"] == "expect_column_values_to_be_between"
                and e["kwargs"]["column"] == f.name
            ]
            assert (bound["kwargs"]["min_value"], bound["kwargs"]["max_value"]) == (0, 1_000_000)
            assert bound["meta"]["severity"] == "error"
    declared = load_declared(load_settings(), table)
    restated = [
        e["kwargs"].get("column")
        for e in declared.expectations
        if e["kwargs"].get("column") in in_set or e["type"] == "expect_column_values_to_be_in_set"
    ]
    assert not restated and not declared.references


def test_the_training_examples_suite_bounds_the_label_rate():
    from livelake.lake.tables.gold import TRAINING_EXAMPLES

    declared = load_declared(load_settings(), TRAINING_EXAMPLES)
    [rate] = [e for e in declared.expectations if e["type"] == "expect_column_mean_to_be_between"]
    assert rate["kwargs"] == {"column": "label", "min_value": 0.001, "max_value": 0.5}
    assert rate["meta"]["severity"] == "error"


def test_a_suite_named_for_another_table_is_refused(tmp_path, monkeypatch):
    (tmp_path / "silver").mkdir()
    (tmp_path / "silver" / "views.json").write_text('{"name": "silver.orders"}')
    cfg = load_settings(expectations_dir=str(tmp_path))
    with pytest.raises(SuiteFileError, match=r"suite name must be 'silver\.views'"):
        load_declared(cfg, SILVER["views"])


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ('{"references": [{"column": "user_id", "table": "silver.nope"}]}', "no table"),
        ('{"references": [{"column": "buyer_id", "table": "silver.users"}]}', "no column"),
        (
            '{"references": [{"column": "user_id", "table": "silver.users"},'
            ' {"column": "user_id", "table": "silver/users"}]}',
            "repeats user_id -> silver/users",
        ),
        ('{"freshness": {"column": "event_date"}}', "integer max_lag_days"),
        ('{"freshnes": {"max_lag_days": 0}}', "unknown meta.livelake rules"),
    ],
)
def test_a_broken_livelake_rule_is_refused_with_the_file_and_the_problem(tmp_path, rules, message):
    (tmp_path / "silver").mkdir()
    path = tmp_path / "silver" / "views.json"
    path.write_text(f'{{"name": "silver.views", "meta": {{"livelake": {rules}}}}}')
    cfg = load_settings(expectations_dir=str(tmp_path))
    with pytest.raises(SuiteFileError, match=message) as refused:
        load_declared(cfg, SILVER["views"])
    assert str(path) in str(refused.value)
