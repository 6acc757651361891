"""A StageReport as JSON: how a spark-submitted stage tells its parent what happened."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from livelake.jobs.report import GateSummary, StageReport, TableCounts


def to_dict(report: StageReport) -> dict[str, Any]:
    data = asdict(report)
    data["day"] = report.day.isoformat()
    return data


def from_dict(data: dict[str, Any]) -> StageReport:
    gate = data.get("gate")
    return StageReport(
        stage=data["stage"],
        day=date.fromisoformat(data["day"]),
        status=data["status"],
        tables=[TableCounts(**t) for t in data.get("tables", [])],
        gate=None if gate is None else GateSummary(**gate),
        message=data.get("message", ""),
        seconds=float(data.get("seconds", 0.0)),
        spark_jobs=data.get("spark_jobs"),
        part_jobs=data.get("part_jobs", {}),
    )


def dumps(report: StageReport) -> str:
    return json.dumps(to_dict(report), indent=2)


def loads(text: str) -> StageReport:
    return from_dict(json.loads(text))
