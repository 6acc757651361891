"""Every table of the lake, declared once per layer. Importing this package registers them."""

from livelake.lake.tables import audit, bronze, gold, kpi, silver  # noqa: F401
