"""Every declared suite loads, is valid GE, and names only columns its table declares."""

from __future__ import annotations

from datetime import date

import great_expectations as gx
import pytest

from livelake.config import load_settings
from livelake.jobs.lake.tables.silver import SILVER
from livelake.jobs.quality.declared import SuiteFileError, load_declared
from livelake.jobs.quality.suites import build_suite


@pytest.mark.parametrize("name", sorted(SILVER))
def test_each_silver_table_has_a_valid_declared_suite(name, lake_root):
    table = SILVER[name]
    cfg = load_settings()
    declared = load_declared(cfg, table)
    assert declared is not None, f"expectations/silver/{name}.json is missing"
    suite = build_suite(cfg, table, date(2026, 1, 2))
    gx.ExpectationSuite(name=suite.name, expectations=suite.expectations)  # GE validates kwargs
    for config in suite.expectations:
        kwargs = config["kwargs"]
        named = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")]
        named += kwargs.get("column_list", [])
        unknown = [c for c in named if c is not None and c not in table.column_names]
        assert not unknown, f"{name}: {config['type']} names unknown columns {unknown}"
        assert config["meta"]["severity"] in ("error", "warn")


def test_a_suite_named_for_another_table_is_refused(tmp_path, monkeypatch):
    (tmp_path / "silver").mkdir()
    (tmp_path / "silver" / "views.json").write_text('{"name": "silver.orders"}')
    cfg = load_settings(expectations_dir=str(tmp_path))
    with pytest.raises(SuiteFileError, match=r"suite name must be 'silver\.views'"):
        load_declared(cfg, SILVER["views"])
