"""Expectations as plain GE configuration dicts, and the livelake severity they carry.

Every suite livelake builds is a list of `{"type", "kwargs", "meta", "severity"}` dicts, the
same shape GE writes in suite JSON, so derived, declared and feature expectations mix freely.
Severity lives in `meta.severity`: `error` blocks publishing, `warn` is recorded only.
`meta.scope` = `run_day` marks a rule judged on the rows of the run's own day partition
only (drift, the day's row count); the gate validates those in a suite of their own.
"""

from __future__ import annotations

from typing import Any, Literal

Severity = Literal["error", "warn"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn")
_GE_SEVERITY = {"error": "critical", "warn": "warning"}
RUN_DAY_SCOPE = "run_day"


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
