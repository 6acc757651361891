"""Hand-written deliveries for the silver stage tests, and how those tests read the lake back.

Day one carries every kind of bad line silver must quarantine (malformed, null key, unknown
reference, clock skew, too late, out of range, duplicate) and raw PII under declared, re-cased
and undeclared names; day two renames a CSV column and re-sends an event; the late file adds
two events for day one on day three.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from livelake.lake.read import read_table
from livelake.lake.tables.silver import QUARANTINE, SILVER
from tests.jobs.silver.landed import HEADERS, Delivery, event

PII_KEY = "test-pii-key-not-secret"
D1, D2, D3 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)
REG = "2025-12-01T00:00:00.000Z"


def day_one() -> Delivery:
    u = "2026-01-01T01:00:00.000Z"
    d = Delivery(D1)
    d.rows(
        "users",
        f"u1,Ann Li,13800000001,east,{REG},silver,ios,dev-ann,{u}",
        f"u2,Bo Wang,13800000003,west,{REG},none,web,dev-bo,{u}",
        f",Nobody,1,west,{REG},none,web,,{u}",
    )
    d.rows("anchors", f"a1,Star,head,1000,beauty,88.5,{REG},{u}")
    d.rows("products", f"p1,Lipstick,beauty,Mac,99.00,{{}},{u}")
    d.rows("live_sessions", f"s1,a1,beauty,Show,,2026-01-01T09:00:00.000Z,,{u}")
    d.rows("prices", f"p1,2026-01-01T00:00:00.000Z,,99,79,5,false,,,,{u}")
    d.rows("session_products", f"g1,s1,p1,2026-01-01T09:10:00.000Z,2026-01-01T09:15:00.000Z,{u}")
    d.rows("after_sales", f"c1,o1,u1,p1,refund,quality,10,2026-01-01T12:00:00.000Z,,requested,{u}")
    d.rows("social", f"follow,u1,a1,{u},{u}", f"follow,u1,a404,{u},{u}")
    t = "2026-01-01T10:05:00.000Z"
    view = {"session_id": "s1", "visit_id": "v1", "DEVICE_ID": "dev-ann", "ip": "10.0.0.7"}
    # A source that starts sending undeclared PII: it must not pass silver verbatim.
    view |= {"Phone": "13700000009", "email": "ann@example.com"}
    d.lines(
        "views",
        10,
        event("e1", t, **view),
        event("e1", t, **view),
        "{broken",
        event("e2", t, user_id=None),
        event("e3", t, user_id="u404"),
        event("e4", "2026-01-01T11:30:00.000Z"),
        event("e5", "2025-12-20T10:00:00.000Z"),
        event("e6", t, event_type="leave", visit_id="v1", dwell_seconds=-1, channel="feed"),
        event("e7", t, surprise="new field"),
    )
    d.lines("interactions", 10, event("i1", t, event_type="gift", gift_value_cny=-3))
    d.lines("cart_events", 10, event("k1", t, event_type="add", product_id="p1", quantity=1))
    d.lines(
        "orders",
        10,
        event(
            "o1",
            t,
            event_type="created",
            order_id="o1",
            product_id="p1",
            anchor_id="a1",
            amount_cny=2_000_000,
            receiver_phone="13900000002",
            receiver_address="Road 7, Hangzhou",
        ),
        event(
            "o2",
            t,
            event_type="created",
            order_id="o2",
            product_id="p1",
            anchor_id="a1",
            amount_cny=79,
            receiver_phone="13900000002",
            receiver_address="Road 7, Hangzhou",
        ),
    )
    return d


def day_two() -> Delivery:
    d = Delivery(D2)
    renamed = HEADERS["users"].replace("phone", "mobile_phone").replace("device_id", "Device_ID")
    d.rows(
        "users",
        f"u1,Ann Li,13800000001,east,{REG},gold,ios,dev-ann,2026-01-02T01:00:00.000Z",
        header=renamed,
    )
    d.lines(
        "views",
        10,
        event("e10", "2026-01-02T10:00:00.000Z"),
        event("e6", "2026-01-01T10:05:00.000Z", event_type="leave", dwell_seconds=60),
        event("e11", "2026-01-01T20:00:00.000Z"),
    )
    return d


def late_file_for_day_one() -> Delivery:
    return Delivery(D3).lines(
        "views",
        8,
        event("e20", "2026-01-01T08:00:00.000Z"),
        event("e21", "2026-01-01T09:00:00.000Z"),
    )


def table(ctx, name: str) -> pl.DataFrame:
    """The table's latest commit, published or not: the tests inspect what was committed."""
    return read_table(name, lake_root=ctx.settings.lake_root, consistent=False)


def snapshot(ctx) -> dict[str, pl.DataFrame]:
    """Every silver and quarantine table, without the columns that name the run."""
    out = {}
    for declared in (*SILVER.values(), *QUARANTINE.values()):
        frame = table(ctx, declared.qualified_name).drop("run_id", "quarantined_at", strict=False)
        out[declared.qualified_name] = frame.sort(frame.columns, nulls_last=True)
    return out
