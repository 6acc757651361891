"""Bronze: every landed line exactly as delivered, plus where and when it came from.

One table per landing stream/export. The raw line is kept verbatim (parsing is silver's job),
so a malformed line still lands here and can be quarantined with its text.
"""

from livelake.lake.registry import Table, col, key, register
from livelake.lake.tables.silver import EXPORTS, STREAMS

RAW_COLUMNS = (
    key("source", doc="who delivered the file: platform, taobao, retailrocket, olist"),
    key("delivery_date", "date", "day the file was delivered (landing dt= folder)"),
    key("source_file", doc="file path relative to the landing root"),
    key("line_number", "long", "1-based physical line in the decompressed file"),
    col("raw", "string", "the line exactly as delivered", free_text=True),
    col("header", "string", "CSV header line of the file (null for JSON lines)", free_text=True),
    key("file_sha256", doc="SHA-256 of the delivered file's bytes"),
    key("ingested_at", "timestamp", "when bronze ingested the file"),
    key("run_id", doc="run that ingested it"),
)


def bronze_table(name: str) -> Table:
    return Table(
        layer="bronze",
        name=name,
        grain=f"one row per delivered line of a {name} file",
        columns=RAW_COLUMNS,
        partition_by=("delivery_date",),
        keys=("source_file", "line_number"),
        append_only=True,
    )


BRONZE = {name: bronze_table(name) for name in (*STREAMS, *EXPORTS)}
register(*BRONZE.values())
