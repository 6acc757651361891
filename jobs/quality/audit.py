"""What happened on a logical day, from the audit tables alone (JVM-free): `livelake audit`.

Per stage and run: the gate's verdict (from `audit/quality_results`), the table versions it
published (`audit/published_runs`), reconciliation counts (`audit/reconciliation`, written by
silver), the landed files (`audit/ingest_ledger`), each stage attempt with its code version
(`audit/stage_runs`) and the quarantine reasons of the day's deliveries. A stage's current state
is its latest run of the day; earlier runs are superseded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import pyarrow.compute as pc

from livelake.jobs.quality.gx_context import docs_index
from livelake.jobs.quality.history import table_exists
from livelake.jobs.report import Verdict, gate_verdict
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table
from livelake.lake.tables.audit import (
    INGEST_LEDGER,
    PUBLISHED_RUNS,
    QUALITY_RESULTS,
    RECONCILIATION,
    STAGE_RUNS,
    STAGE_STARTED,
)
from livelake.lake.tables.silver import QUARANTINE


@dataclass
class GateRun:
    """One gate of one stage in one run."""

    run_id: str
    stage: str
    validated_at: datetime
    expectations: int = 0
    failed_blocking: int = 0
    failed_warning: int = 0
    suites: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    docs_pages: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.failed_blocking == 0

    @property
    def verdict(self) -> Verdict:
        return gate_verdict(self.failed_blocking, self.failed_warning)


@dataclass
class DayAudit:
    day: date
    lake_root: str
    gates: list[GateRun]
    published: list[dict[str, Any]]
    reconciliation: list[dict[str, Any]]
    landed: list[dict[str, Any]]
    data_docs: str
    stage_runs: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)

    def current(self) -> list[GateRun]:
        """Each stage's latest gate run of the day."""
        latest: dict[str, GateRun] = {}
        for gate in sorted(self.gates, key=lambda g: g.validated_at):
            latest[gate.stage] = gate
        return list(latest.values())

    @property
    def ran(self) -> bool:
        """Whether any stage left a trace for the day: a landed file, a gate, a publication."""
        return bool(
            self.gates or self.published or self.reconciliation or self.landed or self.stage_runs
        )

    @property
    def rejected_files(self) -> list[dict[str, Any]]:
        """Landed files the day's latest bronze run rejected (unreadable, empty, not UTF-8,
        no sound header). A later run that ingests the day resolves them, whether the file
        was delivered again or moved out of the delivery, as the run's message suggests."""
        if not self.landed:
            return []
        # One ingest writes its ledger rows with one timestamp (a run id may span retries).
        latest = max(r["ingested_at"] for r in self.landed)
        return [r for r in self.landed if r["ingested_at"] == latest and r["outcome"] == "rejected"]

    @property
    def interrupted(self) -> list[StageRun]:
        """Each stage whose latest run started and never finished (killed, or still running)."""
        return [r for r in stage_runs(self) if r.current and r.verdict == "interrupted"]

    @property
    def blocking_failure(self) -> bool:
        failed_gate = any(not g.passed for g in self.current())
        return failed_gate or bool(self.rejected_files) or bool(self.interrupted)

    @property
    def runs(self) -> list[str]:
        seen = {g.run_id: g.validated_at for g in self.gates}
        for row in self.published:
            seen.setdefault(row["run_id"], row["published_at"])
        for row in self.stage_runs:
            seen.setdefault(row["run_id"], row["finished_at"])
        return [run for run, _ in sorted(seen.items(), key=lambda kv: kv[1])]

    def code_version(self, run_id: str) -> str | None:
        """The livelake version + git commit `audit/stage_runs` recorded for the run."""
        versions = sorted({r["code_version"] for r in self.stage_runs if r["run_id"] == run_id})
        return ", ".join(versions) or None

    def to_json(self) -> str:
        data = asdict(self)
        data["blocking_failure"] = self.blocking_failure
        data["runs"] = self.runs
        data["interrupted"] = [{"stage": r.stage, "run_id": r.run_id} for r in self.interrupted]
        data["rejected_files"] = self.rejected_files
        for gate, run in zip(data["gates"], self.gates, strict=True):
            gate["passed"] = run.passed
            gate["verdict"] = run.verdict
        return json.dumps(data, default=str, indent=2)


def _rows(lake_root: str, declared: Table, column: str, day: date) -> list[dict[str, Any]]:
    if not table_exists(lake_root, declared):
        return []
    return read_arrow(declared, filter=pc.field(column) == day, lake_root=lake_root).to_pylist()


def _gates(results: list[dict[str, Any]]) -> list[GateRun]:
    runs: dict[tuple[str, str], GateRun] = {}
    for r in results:
        gate = runs.setdefault(
            (r["run_id"], r["stage"]), GateRun(r["run_id"], r["stage"], r["validated_at"])
        )
        gate.validated_at = max(gate.validated_at, r["validated_at"])
        gate.expectations += 1
        if r["suite"] not in gate.suites:
            gate.suites.append(r["suite"])
        details = json.loads(r["details"] or "{}")
        if details.get("data_docs_page"):
            gate.docs_pages[r["suite"]] = details["data_docs_page"]
        if not r["success"]:
            gate.failed_blocking += r["severity"] == "error"
            gate.failed_warning += r["severity"] == "warn"
            gate.failures.append(
                {
                    "table": r["table_name"],
                    "expectation": r["expectation"],
                    "column": r["column_name"],
                    "severity": r["severity"],
                    "observed": r["observed_value"],
                    "unexpected_count": r["unexpected_count"],
                    "rule": details.get("rule", ""),
                    "examples": details.get("examples", []),
                }
            )
    return sorted(runs.values(), key=lambda g: g.validated_at)


def _quarantine_reasons(lake_root: str, day: date) -> list[dict[str, Any]]:
    """Rows quarantined from `day`'s deliveries, counted per run, silver table and reason."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for name, declared in QUARANTINE.items():
        if not table_exists(lake_root, declared):
            continue
        rows = read_arrow(
            declared,
            columns=["run_id", "reason"],
            filter=pc.field("delivery_date") == day,
            lake_root=lake_root,
        ).to_pylist()
        for r in rows:
            counts[(r["run_id"], f"silver/{name}", r["reason"])] += 1
    return [
        {"run_id": run, "table_name": name, "reason": reason, "rows": n}
        for (run, name, reason), n in sorted(counts.items())
    ]


def audit_day(lake_root: str, day: date) -> DayAudit:
    """Everything the audit tables know about logical `day`."""
    return DayAudit(
        day=day,
        lake_root=lake_root,
        gates=_gates(_rows(lake_root, QUALITY_RESULTS, "day", day)),
        published=sorted(
            _rows(lake_root, PUBLISHED_RUNS, "day", day), key=lambda r: r["published_at"]
        ),
        reconciliation=_rows(lake_root, RECONCILIATION, "delivery_date", day),
        landed=_rows(lake_root, INGEST_LEDGER, "delivery_date", day),
        data_docs=str(docs_index(lake_root)),
        stage_runs=sorted(_rows(lake_root, STAGE_RUNS, "day", day), key=lambda r: r["finished_at"]),
        quarantine=_quarantine_reasons(lake_root, day),
    )


def audited_days(lake_root: str, since: date, until: date | None = None) -> list[date]:
    """Days from `since` (to `until`) that any audit table `audit_day` reads records."""
    days: set[date] = set()
    for declared, column in (
        (QUALITY_RESULTS, "day"),
        (PUBLISHED_RUNS, "day"),
        (RECONCILIATION, "delivery_date"),
        (INGEST_LEDGER, "delivery_date"),
        (STAGE_RUNS, "day"),
    ):
        if table_exists(lake_root, declared):
            where = pc.field(column) >= since
            if until is not None:
                where = where & (pc.field(column) <= until)
            data = read_arrow(declared, columns=[column], filter=where, lake_root=lake_root)
            days.update(data.column(column).to_pylist())
    return sorted(days)


def period_summary(audits: list[DayAudit]) -> list[dict[str, Any]]:
    """One line per day: gates passed / failed (current runs), tables published, reruns."""
    out = []
    for audit in audits:
        current = audit.current()
        per_stage: dict[str, int] = defaultdict(int)
        for gate in audit.gates:
            per_stage[gate.stage] += 1
        out.append(
            {
                "day": audit.day.isoformat(),
                "gates_passed": sum(g.passed for g in current),
                "gates_failed": sum(not g.passed for g in current),
                "warnings": sum(g.failed_warning for g in current),
                "tables_published": len({r["table_name"] for r in audit.published}),
                "runs": len(audit.runs),
                "reruns": sum(n - 1 for n in per_stage.values()),
            }
        )
    return out


# How the index sums verdicts up, dbt style: PASS=… WARN=… ERROR=… SKIP=…
OUTCOME = {
    "passed": "PASS",
    "nothing to do": "PASS",
    "passed with warnings": "WARN",
    "refused": "ERROR",
    "failed": "ERROR",
    "error": "ERROR",
    "skipped": "SKIP",
    "interrupted": "ERROR",
}


@dataclass
class StageRun:
    """One attempt of one stage on a day, as the audit index lists it."""

    day: date
    stage: str
    run_id: str
    finished_at: datetime
    verdict: str
    gate: GateRun | None = None
    status: str | None = None
    versions: list[tuple[str, int]] = field(default_factory=list)
    reconciliation: dict[str, Any] | None = None
    current: bool = True

    @property
    def outcome(self) -> str:
        return OUTCOME[self.verdict]


def _verdict(gate: GateRun | None, status: str | None) -> str:
    """The gate decides; a stage that crashed, failed or was skipped says so instead."""
    if status == "error":
        return "error"
    if status == STAGE_STARTED:
        return "interrupted"  # started and never finished: killed, or running right now
    if gate is not None and not gate.passed:
        return gate.verdict
    if status in ("failed", "skipped"):
        return status
    if gate is not None and gate.failed_warning:
        return gate.verdict
    return "nothing to do" if status == "nothing_to_do" else "passed"


def _reconciled(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not rows:
        return None
    total = {
        k: sum(r[k] or 0 for r in rows)
        for k in ("landed", "published", "quarantined", "duplicates_dropped")
    }
    return {**total, "balanced": all(r["balanced"] for r in rows)}


def stage_runs(audit: DayAudit) -> list[StageRun]:
    """Every (stage, run) of the day in time order; only each stage's latest is current.

    A stage run is known from its gate, its publication or its `audit/stage_runs` row;
    reconciliation is recorded by the silver stage only.
    """
    gates = {(g.stage, g.run_id): g for g in audit.gates}
    # A run's outcome row replaces the row it wrote when it started.
    ordered = sorted(audit.stage_runs, key=lambda r: r["status"] != STAGE_STARTED)
    status = {(r["stage"], r["run_id"]): r for r in ordered}
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for (stage, run), g in gates.items():
        times[(stage, run)].append(g.validated_at)
    for r in audit.published:
        times[(r["stage"], r["run_id"])].append(r["published_at"])
    for key, r in status.items():
        times[key].append(r["finished_at"])
    runs = []
    for (stage, run), at in sorted(times.items(), key=lambda kv: max(kv[1])):
        gate, row = gates.get((stage, run)), status.get((stage, run))
        recorded = row["status"] if row else None
        runs.append(
            StageRun(
                day=audit.day,
                stage=stage,
                run_id=run,
                finished_at=max(at),
                verdict=_verdict(gate, recorded),
                gate=gate,
                status=recorded,
                versions=[
                    (r["table_name"], r["table_version"])
                    for r in audit.published
                    if (r["stage"], r["run_id"]) == (stage, run)
                ],
                reconciliation=_reconciled(
                    [r for r in audit.reconciliation if r["run_id"] == run]
                    if stage == "silver"
                    else []
                ),
            )
        )
    latest = {r.stage: r for r in runs}
    for r in runs:
        r.current = latest[r.stage] is r
    return runs
