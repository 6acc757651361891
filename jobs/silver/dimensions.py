"""What the daily CSV exports share: how versions of one entity are told apart.

An export holds the rows created or changed on its delivery day. For the SCD2 dimensions
(users, anchors, products, prices) every distinct (entity, valid_from) is one version; a
version landed twice keeps its latest landed line. For the others (live sessions, explanation
segments, after-sales cases, social edges) the latest `updated_at` wins, ties broken by the
latest landed line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.history import LINEAGE_ORDER

if TYPE_CHECKING:
    from livelake.lake.registry import Table

UPDATE_ORDER = ("updated_at", *LINEAGE_ORDER)


def entity_of(table: Table) -> list[str]:
    """The entity columns of an SCD2 table: its keys without `valid_from`."""
    return [k for k in table.keys if k != "valid_from"]
