"""Cut this folder's Olist excerpt from the 10,000-order subset (run once; see PROVENANCE.md).

    python tests/data/olist/cut_excerpt.py ../shared/data/olist

Keeps the first 300 orders of orders.csv and every later order that is not `delivered` or
has no approval time (the rare cases the adapter maps differently), then exactly the
order_items of those orders, the customers they name and the products their items name;
the category translation is copied whole. Lines are copied byte for byte in upstream order.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

FIRST_ORDERS = 300


def _rows(path: Path) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    """The header line and every (raw line, parsed row); each record is one physical line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0]
    columns = next(csv.reader([header]))
    return header, [
        (line, dict(zip(columns, next(csv.reader([line])), strict=True))) for line in lines[1:]
    ]


def _write(path: Path, header: str, kept: list[str]) -> None:
    path.write_text(header + "".join(kept), encoding="utf-8")


def cut(source: Path, target: Path) -> None:
    header, orders = _rows(source / "orders.csv")
    kept_orders = [
        (line, row)
        for number, (line, row) in enumerate(orders)
        if number < FIRST_ORDERS
        or row["order_status"] != "delivered"
        or not row["order_approved_at"]
    ]
    _write(target / "orders.csv", header, [line for line, _ in kept_orders])
    order_ids = {row["order_id"] for _, row in kept_orders}
    customer_ids = {row["customer_id"] for _, row in kept_orders}

    header, items = _rows(source / "order_items.csv")
    kept_items = [(line, row) for line, row in items if row["order_id"] in order_ids]
    _write(target / "order_items.csv", header, [line for line, _ in kept_items])
    product_ids = {row["product_id"] for _, row in kept_items}

    header, customers = _rows(source / "customers.csv")
    _write(
        target / "customers.csv",
        header,
        [line for line, row in customers if row["customer_id"] in customer_ids],
    )
    header, products = _rows(source / "products.csv")
    _write(
        target / "products.csv",
        header,
        [line for line, row in products if row["product_id"] in product_ids],
    )
    translation = "product_category_name_translation.csv"
    shutil.copyfile(source / translation, target / translation)


if __name__ == "__main__":
    cut(Path(sys.argv[1]), Path(__file__).resolve().parent)
