"""The `livelake` command line: one entry point for engineers, scientists and auditors.

Each command is a thin shell over a library call; heavy imports (Spark, Great Expectations)
happen inside the commands so `livelake --help` answers instantly.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="livelake",
    help="Batch data platform for live-stream e-commerce: land, conform, gate and feature-ise.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


def main() -> None:  # pragma: no cover - console entry point
    app()
