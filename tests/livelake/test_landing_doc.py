"""docs/landing-format.md lists the fields silver's declarations parse, in their order."""

from __future__ import annotations

import re

from livelake.lake.tables.silver import SILVER
from livelake.landing import DOC, render_doc


def test_the_documented_field_tables_are_generated_from_the_declarations():
    text = DOC.read_text()
    assert render_doc(text) == text, "docs/landing-format.md is stale: python -m livelake.landing"


def test_every_declared_field_is_documented_in_landing_order():
    rows = {
        line.split("|")[1].strip(): line
        for line in DOC.read_text().splitlines()
        if line.startswith("| ") and line.split("|")[1].strip() in SILVER
    }
    assert set(rows) == set(SILVER)
    for name, table in SILVER.items():
        documented = re.findall(r"`([a-z_]+)`(?: \(|,|$)", rows[name].split("|")[-2].strip())
        further = table.field_names[4:] if not table.csv else table.field_names
        assert documented == further, name
