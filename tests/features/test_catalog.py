"""The catalog and `livelake features` commands show every feature with its lineage."""

from __future__ import annotations

from typer.testing import CliRunner

from livelake.cli import app
from livelake.features import FEATURES
from livelake.features.catalog import lineage

runner = CliRunner()


def test_lineage_traces_a_window_back_to_its_silver_table():
    f = next(f for f in FEATURES if f.reference == "user:visits_7d")
    trace = lineage(f)
    assert trace.definition == "sum over the last 7 days of `visits`"
    assert trace.chain == (
        "silver/views: count(CASE WHEN event_type = 'enter' THEN 1 END) per user_id per day",
        "gold/agg_user_daily.visits",
        "gold/user_features.visits_7d",
    )


def test_catalog_command_writes_markdown_and_html_with_every_feature(tmp_path):
    result = runner.invoke(app, ["features", "catalog", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "features.md").read_text()
    page = (tmp_path / "features.html").read_text()
    for f in FEATURES:
        assert f"**{f.reference}**" in md
        assert f'id="{f.entity}-{f.name}"' in page
    assert "2^(-1/14)" in md


def test_list_command_filters_by_entity():
    result = runner.invoke(app, ["features", "list", "--entity", "anchor"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "anchor:professionalism_score" in result.output
    assert "user:visits_7d" not in result.output
    bad = runner.invoke(app, ["features", "list", "--entity", "shop"])
    assert bad.exit_code == 2 and "--entity must be one of" in bad.output


def test_the_committed_catalog_is_up_to_date():
    from pathlib import Path

    from livelake.features.catalog import html_page, markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "features"
    assert (docs / "features.md").read_text(encoding="utf-8") == markdown(), (
        "regenerate it: livelake features catalog --out docs/features"
    )
    assert (docs / "features.html").read_text(encoding="utf-8") == html_page()
