"""Expectations as plain GE configuration dicts, and the livelake severity they carry.

Every suite livelake builds is a list of `{"type", "kwargs", "meta", "severity"}` dicts, the
same shape GE writes in suite JSON, so derived, declared and feature expectations mix freely.
Severity lives in `meta.severity`: `error` blocks publishing, `warn` is recorded only.
`meta.scope` = `run_day` marks a rule judged on the rows of the run's own day partition
only (drift, the day's row count); the gate validates those in a suite of their own.
"""

from __future__ import annotations

import re
from typing import Any, Literal

Severity = Literal["error", "warn"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn")
_GE_SEVERITY = {"error": "critical", "warn": "warning"}
RUN_DAY_SCOPE = "run_day"
_COLUMN_KWARGS = ("column", "column_A", "column_B")


class SuiteFileError(ValueError):
    """A declared suite file is not valid; the message names the file and the problem."""


def expectation(
    type_: str,
    severity: Severity = "error",
    rule: str = "",
    of_run_day: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """One GE expectation config with livelake severity (mirrored into GE's own field);
    `of_run_day`: judged on the rows of the run's own day partition only."""
    meta: dict[str, Any] = {"severity": severity}
    if rule:
        meta["rule"] = rule
    if of_run_day:
        meta["scope"] = RUN_DAY_SCOPE
    return {"type": type_, "kwargs": kwargs, "meta": meta, "severity": _GE_SEVERITY[severity]}


def severity_of(meta: dict[str, Any] | None, ge_severity: str | None = None) -> Severity:
    """The livelake severity of an expectation: `meta.severity`, else GE's, else `error`."""
    declared = (meta or {}).get("severity")
    if declared in SEVERITIES:
        return declared
    if declared is not None:
        raise ValueError(f"expectation meta.severity must be 'error' or 'warn' (got {declared!r})")
    return "warn" if ge_severity in ("warning", "info") else "error"


def with_severity(config: dict[str, Any]) -> dict[str, Any]:
    """Normalise a declared expectation: meta.severity set, GE severity mirrored."""
    meta = dict(config.get("meta") or {})
    level = severity_of(meta, config.get("severity"))
    meta["severity"] = level
    return {**config, "meta": meta, "severity": _GE_SEVERITY[level]}


def identifiers(condition: str) -> set[str]:
    """Every name in a SQL or pandas row condition (a superset of the columns it reads)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition))


def columns_named(config: dict[str, Any]) -> set[str]:
    """The names an expectation reads: its column kwargs, its column list and the names in
    its row condition (a superset: a condition's keywords and literals are names too)."""
    kwargs = config["kwargs"]
    named = {kwargs[k] for k in _COLUMN_KWARGS if k in kwargs}
    named.update(kwargs.get("column_list", []))
    return named | identifiers(kwargs.get("row_condition") or "")
