"""GE validation results -> audit rows and readable failure lines.

One `audit/quality_results` row per expectation evaluated, pass or fail, kept forever; one
line per failed expectation for the operator: table, expectation, column, severity, observed
value, how many rows broke it, and a few example values with the landing file and line they
came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from livelake.jobs.quality.expectation import Severity, severity_of

EXAMPLES = 5


@dataclass(frozen=True)
class Outcome:
    """One expectation's verdict on one table, in livelake terms."""

    table: str
    suite: str
    expectation: str
    column: str | None
    severity: Severity
    success: bool
    observed: Any
    unexpected_count: int | None
    element_count: int | None
    examples: list[Any]
    example_rows: list[dict[str, Any]]
    kwargs: dict[str, Any]
    rule: str
    error: str | None

    def describe(self) -> str:
        """The failure line an operator reads."""
        column = f"({self.column})" if self.column else ""
        text = f"{self.table}: {self.expectation}{column} [{self.severity}]"
        if self.rule:
            text += f" — {self.rule}"
        if self.error:
            return f"{text}: could not be evaluated: {self.error}"
        if self.observed is not None:
            text += f"; observed {_short(self.observed)}"
        expected = {k: v for k, v in self.kwargs.items() if k not in ("column", "column_list")}
        if expected:
            text += f"; expected {_short(expected)}"
        if self.unexpected_count:
            share = (
                f" of {self.element_count} ({self.unexpected_count / self.element_count:.1%})"
                if self.element_count
                else ""
            )
            text += f"; {self.unexpected_count} rows{share} break it"
        if self.examples:
            text += f", e.g. {', '.join(_short(v) for v in self.examples)}"
        if self.example_rows:
            where = "; ".join(
                f"{r.get('source_file')}:{r.get('line_number')}" for r in self.example_rows
            )
            text += f" (at {where})"
        return text


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def result_severity(result: Any) -> Severity:
    """The livelake severity of one GE expectation validation result."""
    config = result.expectation_config
    return severity_of(config.meta, getattr(config, "severity", None))


def failed_counts(result: Any) -> tuple[int, int]:
    """(failed `error`, failed `warn`) expectations of a GE suite validation result."""
    failed = [result_severity(r) for r in result.results if not r.success]
    return failed.count("error"), failed.count("warn")


def _error(info: dict[str, Any]) -> str | None:
    """GE's exception for one result: flat, or keyed by each metric that raised (how its
    graph resolution reports a metric it could not compute)."""
    if info.get("raised_exception"):
        return info.get("exception_message")
    raised = [v for v in info.values() if isinstance(v, dict) and v.get("exception_message")]
    return raised[0]["exception_message"] if raised else None


def outcomes(table: str, suite: str, result: Any) -> list[Outcome]:
    """Flatten a GE suite validation result into outcomes."""
    out = []
    for r in result.results:
        config = r.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        details = r.result or {}
        error = _error(r.exception_info or {})
        column = kwargs.get("column") or ",".join(kwargs.get("column_list", [])) or None
        rows = details.get("partial_unexpected_index_list") or []
        out.append(
            Outcome(
                table=table,
                suite=suite,
                expectation=config.type,
                column=column,
                severity=result_severity(r),
                success=bool(r.success),
                observed=details.get("observed_value"),
                unexpected_count=details.get("unexpected_count"),
                element_count=details.get("element_count"),
                examples=list(details.get("partial_unexpected_list") or [])[:EXAMPLES],
                example_rows=[row for row in rows if isinstance(row, dict)][:EXAMPLES],
                kwargs=kwargs,
                rule=(config.meta or {}).get("rule", ""),
                error=error,
            )
        )
    return out


def audit_rows(
    found: list[Outcome],
    *,
    run_id: str,
    day: date,
    stage: str,
    versions: dict[str, int | None],
    docs_pages: dict[str, str],
    validated_at: datetime,
) -> list[dict[str, Any]]:
    """Rows for `audit/quality_results`, one per expectation evaluated."""
    return [
        {
            "run_id": run_id,
            "day": day,
            "stage": stage,
            "table_name": o.table,
            "table_version": versions.get(o.table),
            "suite": o.suite,
            "expectation": o.expectation,
            "column_name": o.column,
            "severity": o.severity,
            "success": o.success,
            "observed_value": None if o.observed is None else json.dumps(o.observed, default=str),
            "unexpected_count": o.unexpected_count,
            "details": json.dumps(
                {
                    "rule": o.rule,
                    "kwargs": o.kwargs,
                    "examples": o.examples,
                    "example_rows": o.example_rows,
                    "error": o.error,
                    "data_docs_page": docs_pages.get(o.suite),
                },
                default=str,
            ),
            "validated_at": validated_at,
        }
        for o in found
    ]
