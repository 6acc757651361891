"""A/B experiments in the generated platform: definitions, who is assigned to which variant,
the effect a variant really has, and the assignment defects an analysis must survive.

Units are assigned by hashing (experiment id, unit id) into [0, 1) and cutting that line at
the variants' cumulative shares, as GrowthBook's SDK does: the same unit always gets the same
variant, and no random stream of the simulation is touched, so a run without experiments
simulates exactly what it did before they existed.

- A `live_session` unit is exposed when its room opens; a variant's `conversion_lift` is
  added to the purchase propensity of every visit to it (the known effect).
- A `user` unit is exposed at its first room visit inside the window; user experiments carry
  no effect here (who buys is decided per visit, not per user: docs/generator.md).

Defects (named in the manifest with their lines): a unit landed a second time with another
variant (`assigned_twice`: both lines are quarantined), a user exposed on an earlier day
landed again with its variant (`resent_assignment`: a duplicate) or another
(`reassigned_later`: quarantined, the first assignment stands), an exposure an hour before
the experiment started (`exposed_before_start`, on its first day), and, from `lost_from_day`,
a share of one variant's assignment lines never delivered (`lost_assignments`: a
sample-ratio mismatch the analysis must flag).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from livelake.generator.catalog import DAY_MS

ASSIGNED_TWICE_SHARE = 0.004
#: Per day, this share of a user experiment's earlier units (at least two) land again: half
#: with the variant they had (a duplicate), half with another (a conflict).
RESENT_EARLIER_SHARE = 0.002
EXPOSED_BEFORE_START_SHARE = 0.01
EARLY_BY_MS = 3_600_000
#: Planted defects whose line is clean but a duplicate of what silver already holds.
CLEAN_DUPLICATE_KINDS = ("resent_assignment",)


@dataclass(frozen=True)
class Variant:
    name: str
    share: float
    conversion_lift: float = 0.0  # added to the purchase propensity of the unit's visits


@dataclass(frozen=True)
class Experiment:
    """One experiment, its window in day indexes of the run (`last_day` inclusive; None: to
    the run's end) and, optionally, an injected assignment loss."""

    experiment_id: str
    hypothesis: str
    unit_type: str  # "live_session" or "user"
    variants: tuple[Variant, ...]
    first_day: int
    last_day: int | None
    primary_metric: str
    guardrail_metrics: tuple[str, ...] = ()
    lost_variant: str | None = None  # from lost_from_day, lost_share of its lines never land
    lost_from_day: int = 0
    lost_share: float = 0.0

    def __post_init__(self) -> None:
        if abs(sum(v.share for v in self.variants) - 1.0) > 1e-9:
            raise ValueError(f"experiment {self.experiment_id}: variant shares must sum to 1")
        if self.unit_type not in ("live_session", "user"):
            raise ValueError(f"experiment {self.experiment_id}: unknown unit {self.unit_type!r}")

    def runs_on(self, day_index: int) -> bool:
        return self.first_day <= day_index and (self.last_day is None or day_index <= self.last_day)

    def variant_of(self, unit_ids: list[str]) -> np.ndarray:
        """Each unit's variant index: its hash bucket cut at the cumulative shares."""
        buckets = np.array([bucket(self.experiment_id, u) for u in unit_ids], dtype=np.float64)
        edges = np.cumsum([v.share for v in self.variants])[:-1]
        return np.searchsorted(edges, buckets, side="right")

    def lift_of(self, unit_ids: list[str]) -> np.ndarray:
        lifts = np.array([v.conversion_lift for v in self.variants])
        return lifts[self.variant_of(unit_ids)]


#: The demo's experiments: a real effect on live sessions (+1 pp: at the demo's 36 rooms a day
#: a week can tell it from no change, where 0.5 pp needs about a month), an A/A test on users,
#: and a user experiment whose treatment loses 40% of its assignment lines (a logging bug
#: shipped with it), which the sample-ratio test must catch.
DEMO_EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "script_hook_v2",
        "Opening each product with a 30-second hook lifts conversion per visit by 1 pp",
        "live_session",
        (Variant("control", 0.5), Variant("hook", 0.5, conversion_lift=0.01)),
        first_day=1,
        last_day=None,
        primary_metric="conversion_per_visit",
        guardrail_metrics=("refund_rate", "short_visit_share"),
    ),
    Experiment(
        "feed_badge_aa",
        "A/A check of the assignment service: both variants are the same experience",
        "user",
        (Variant("control", 0.5), Variant("same", 0.5)),
        first_day=0,
        last_day=None,
        primary_metric="conversion_per_visit",
        guardrail_metrics=("dwell_seconds_per_visit",),
    ),
    Experiment(
        "countdown_badge_v1",
        "A countdown badge on flash sales raises conversion per visit",
        "user",
        (Variant("control", 0.5), Variant("countdown", 0.5)),
        first_day=1,
        last_day=None,
        primary_metric="conversion_per_visit",
        guardrail_metrics=("refund_rate",),
        lost_variant="countdown",
        lost_from_day=1,
        lost_share=0.4,
    ),
)


def bucket(experiment_id: str, unit_id: str) -> float:
    """A unit's place in [0, 1) for an experiment: stable across runs, machines and versions."""
    digest = hashlib.sha256(f"{experiment_id}:{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class ExperimentBook:
    """The run's experiments and the users already exposed to each (first exposure only)."""

    seed: int
    experiments: tuple[Experiment, ...]
    exposed_users: dict[str, set[str]] = field(default_factory=dict)

    def session_lift(self, day_index: int, session_ids: list[str]) -> np.ndarray | None:
        """Per session of the day, the conversion lift its variants add (None: no session
        experiment runs, so the simulation is left exactly as it was)."""
        running = [
            e for e in self.experiments if e.unit_type == "live_session" and e.runs_on(day_index)
        ]
        if not running:
            return None
        return np.sum([e.lift_of(session_ids) for e in running], axis=0)

    def definitions(self, day_index: int, first_day_ms: int) -> pl.DataFrame | None:
        """Every experiment, delivered on the run's first day (declared before it starts)."""
        if day_index != 0 or not self.experiments:
            return None
        # An open-ended experiment is declared for a year; a new definition may stop it.
        end = [
            first_day_ms + (e.last_day + 1 if e.last_day is not None else 366) * DAY_MS
            for e in self.experiments
        ]
        return pl.DataFrame(
            {
                "experiment_id": [e.experiment_id for e in self.experiments],
                "hypothesis": [e.hypothesis for e in self.experiments],
                "unit_type": [e.unit_type for e in self.experiments],
                "variants": [
                    "|".join(f"{v.name}:{v.share:g}" for v in e.variants) for e in self.experiments
                ],
                "start_at": [first_day_ms + e.first_day * DAY_MS for e in self.experiments],
                "end_at": end,
                "primary_metric": [e.primary_metric for e in self.experiments],
                "guardrail_metrics": ["|".join(e.guardrail_metrics) for e in self.experiments],
                "updated_at": [first_day_ms] * len(self.experiments),
            }
        )

    def assignments(
        self,
        rng: np.random.Generator,
        day_index: int,
        day_ms: int,
        sessions: tuple[list[str], np.ndarray],
        first_visits: tuple[list[str], np.ndarray],
    ) -> tuple[pl.DataFrame, list[tuple[int, str]], int]:
        """The day's assignment rows (first exposures) with the defects placed in them:
        (rows in landing order, (row index, defect kind) pairs, lines lost before landing).
        `sessions` and `first_visits` are (unit ids, exposure instants in epoch ms) of the
        day."""
        parts: list[pl.DataFrame] = []
        defects: list[tuple[int, str]] = []
        lost = 0
        for e in self.experiments:
            if not e.runs_on(day_index):
                continue
            if e.unit_type == "live_session":
                units, exposed = sessions
            else:
                seen = self.exposed_users.setdefault(e.experiment_id, set())
                fresh = [i for i, u in enumerate(first_visits[0]) if u not in seen]
                earlier = sorted(seen)
                units = [first_visits[0][i] for i in fresh]
                exposed = first_visits[1][fresh]
                seen.update(units)
            names = np.array([v.name for v in e.variants])
            variant = names[e.variant_of(units)]
            keep = np.ones(len(units), dtype=bool)
            if e.lost_variant is not None and day_index >= e.lost_from_day:
                keep &= ~((variant == e.lost_variant) & (rng.random(len(units)) < e.lost_share))
                lost += int((~keep).sum())
            rows = pl.DataFrame(
                {
                    "experiment_id": [e.experiment_id] * len(units),
                    "unit_id": pl.Series(units, dtype=pl.String),
                    "variant": pl.Series(variant, dtype=pl.String),
                    "exposed_at": pl.Series(np.asarray(exposed, dtype=np.int64)),
                }
            ).filter(pl.Series(keep))
            early = np.zeros(rows.height, dtype=bool)
            if day_index == e.first_day:  # a client whose clock ran before the launch
                early = rng.random(rows.height) < EXPOSED_BEFORE_START_SHARE
            before_start = day_ms - EARLY_BY_MS
            rows = rows.with_columns(
                exposed_at=pl.when(pl.Series(early)).then(before_start).otherwise("exposed_at")
            )
            twice = np.flatnonzero(~early & (rng.random(rows.height) < ASSIGNED_TWICE_SHARE))
            other = rows[twice].with_columns(
                variant=pl.Series(
                    [
                        names[(list(names).index(v) + 1) % len(names)]
                        for v in rows["variant"].gather(twice)
                    ],
                    dtype=pl.String,
                ),
                exposed_at=pl.col("exposed_at") + 1_000,
            )
            again = pl.DataFrame(schema=rows.schema)
            if e.unit_type == "user" and earlier:
                n = max(2, round(RESENT_EARLIER_SHARE * len(earlier)))
                picked = [earlier[i] for i in np.sort(rng.permutation(len(earlier))[:n])]
                shift = np.arange(len(picked)) % 2  # 0: the same variant, 1: the next one
                again = pl.DataFrame(
                    {
                        "experiment_id": [e.experiment_id] * len(picked),
                        "unit_id": pl.Series(picked, dtype=pl.String),
                        "variant": pl.Series(
                            names[(e.variant_of(picked) + shift) % len(names)], dtype=pl.String
                        ),
                        "exposed_at": pl.Series([day_ms + DAY_MS // 2] * len(picked)),
                    }
                )
            offset = sum(p.height for p in parts)
            defects += [(offset + int(i), "exposed_before_start") for i in np.flatnonzero(early)]
            defects += [(offset + int(i), "assigned_twice") for i in twice]
            defects += [(offset + rows.height + i, "assigned_twice") for i in range(other.height)]
            start = offset + rows.height + other.height
            if again.height:
                kinds = np.where(shift == 1, "reassigned_later", "resent_assignment")
                defects += [(start + i, str(kind)) for i, kind in enumerate(kinds)]
            parts.append(pl.concat([rows, other, again]))
        if not parts:
            return pl.DataFrame(), [], 0
        frame = pl.concat(parts).with_columns(updated_at=pl.col("exposed_at"))
        return frame, defects, lost
