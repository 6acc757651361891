"""Silver rows for the gold tests, written straight into the silver tables.

`write_silver` and `write_rows` fill in what a test leaves out (lineage, partition dates,
SCD2 validity), so a row names only the columns its numbers come from; `view`, `order`, `at`
and `cny` build the rows the gold measures count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from livelake.lake import RunContext
from livelake.lake.tables.silver import SILVER

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_ids = count(1)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=UTC)


def cny(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


def _complete(name: str, row: dict[str, Any]) -> dict[str, Any]:
    table = SILVER[name]
    row = dict(row)
    moment = row.get("event_time") or row.get("started_at") or row.get("explain_start")
    moment = (
        moment or row.get("requested_at") or row.get("created_at") or row.get("updated_at") or T0
    )
    n = next(_ids)
    defaults: dict[str, Any] = {
        "event_id": f"e{n}",
        "source": "platform",
        "delivery_date": moment.date(),
        "source_file": f"test/{name}.jsonl",
        "line_number": n,
        "run_id": "world",
        "updated_at": moment,
        "valid_from": T0,
        "is_current": True,
        "event_date": moment.date(),
        "session_date": moment.date(),
        "segment_date": moment.date(),
        "requested_date": moment.date(),
        "created_date": moment.date(),
    }
    if name == "session_products" and row.get("explain_end"):
        row["explain_seconds"] = int((row["explain_end"] - row["explain_start"]).total_seconds())
    if name == "users":
        defaults["valid_from"] = row["registered_at"]
    for column in table.columns:
        if column.name not in row:
            row[column.name] = defaults.get(column.name)
    return {c: row[c] for c in table.column_names}


def write_silver(spark, lake, name: str, rows: list[dict[str, Any]]) -> None:
    """Append rows (missing lineage / partition columns filled in) to silver/<name>."""
    table = SILVER[name]
    frame = spark.createDataFrame([_complete(name, r) for r in rows], table.spark_schema())
    lake.append(table, frame, RunContext(job="test.world"))


def write_rows(lake, **rows: list[dict[str, Any]]) -> None:
    """Append each keyword's rows to that silver table (`write_rows(lake, views=[...])`),
    missing columns filled in as by `write_silver`, with no Spark job
    (`Lake.append_records`): for the tiny worlds of a few rows a test writes inline."""
    for name, table_rows in rows.items():
        records = [_complete(name, r) for r in table_rows]
        lake.append_records(SILVER[name], records, RunContext(job="test.world"))


def view(
    user: str, session: str, day: date, enter: str, leave: str, *, dwell_known: bool = True
) -> list[dict[str, Any]]:
    """A room visit: its enter event and its leave event with the dwell in between (null
    when not `dwell_known`)."""
    start, end = at(day, enter), at(day, leave)
    visit = f"v{next(_ids)}"
    common = {"user_id": user, "session_id": session, "visit_id": visit, "channel": "feed"}
    dwell = int((end - start).total_seconds()) if dwell_known else None
    return [
        {**common, "event_type": "enter", "event_time": start},
        {**common, "event_type": "leave", "event_time": end, "dwell_seconds": dwell},
    ]


def order(oid, user, product, session, anchor, day, hhmm, status, amount):
    """One status change of an order of one unit at `amount` CNY (no coupon)."""
    return {
        "order_id": oid,
        "user_id": user,
        "product_id": product,
        "session_id": session,
        "anchor_id": anchor,
        "event_type": status,
        "event_time": at(day, hhmm),
        "quantity": 1,
        "unit_price_cny": cny(amount),
        "coupon_cny": cny(0),
        "amount_cny": cny(amount),
    }


def interaction(
    user: str,
    session: str,
    day: date,
    hhmm: str,
    kind: str,
    *,
    product: str | None = None,
    gift_cny: Decimal | None = None,
) -> dict[str, Any]:
    """A comment, like, share or gift in a live room (about `product`, if any)."""
    return {
        "user_id": user,
        "session_id": session,
        "product_id": product,
        "event_type": kind,
        "event_time": at(day, hhmm),
        "gift_value_cny": gift_cny,
    }


def cart(user: str, session: str, product: str, day: date, hhmm: str, kind: str):
    """One unit of `product` added to (`kind` "add") or removed from ("remove") the cart."""
    return {
        "user_id": user,
        "session_id": session,
        "product_id": product,
        "event_type": kind,
        "event_time": at(day, hhmm),
        "quantity": 1,
    }


def refund(case: str, order_id: str, user: str, product: str, amount, day: date, hhmm: str):
    """A refund case asked for `amount` CNY."""
    return {
        "case_id": case,
        "order_id": order_id,
        "user_id": user,
        "product_id": product,
        "case_type": "refund",
        "amount_cny": cny(amount),
        "requested_at": at(day, hhmm),
        "status": "requested",
    }


def edge(kind: str, src: str, dst: str, day: date, hhmm: str) -> dict[str, Any]:
    """A social edge: follow / unfollow (user to anchor), share / invite (user to user)."""
    return {"edge_type": kind, "src_user_id": src, "dst_id": dst, "created_at": at(day, hhmm)}


def live(
    session: str, anchor: str, category: str | None, started: datetime, ended: datetime | None
) -> dict[str, Any]:
    """A live session (`ended` None while on air)."""
    return {
        "session_id": session,
        "anchor_id": anchor,
        "category": category,
        "started_at": started,
        "ended_at": ended,
    }


def segment(
    segment_id: str, session: str, product: str, start: datetime, end: datetime | None
) -> dict[str, Any]:
    """A product explained on air from `start` to `end` (None while still explained)."""
    return {
        "segment_id": segment_id,
        "session_id": session,
        "product_id": product,
        "explain_start": start,
        "explain_end": end,
    }


def price(
    product: str,
    list_cny,
    live_cny,
    valid_from: datetime,
    valid_to: datetime | None = None,
    *,
    flash_sale: bool = False,
) -> dict[str, Any]:
    """A price version of `product`, valid from `valid_from` until `valid_to` (None: still)."""
    return {
        "product_id": product,
        "list_price_cny": cny(list_cny),
        "live_price_cny": cny(live_cny),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "is_current": valid_to is None,
        "is_flash_sale": flash_sale,
    }
