"""What a generator run is asked for: the platform's size, its seed and its defect rates.

One frozen object so a run is fully described by it (it is echoed into every manifest).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from livelake.generator.experiments import Experiment

#: Defect kinds injected into event lines, with their default share of event lines.
#: The defaults come to about 1.2% of event lines; `late` and `schema_drift` stay publishable.
DEFAULT_EVENT_DEFECT_RATES: dict[str, float] = {
    "duplicate_exact": 0.0040,
    "resent_event_id": 0.0015,
    "late": 0.0020,
    "too_late": 0.0005,
    "null_fk": 0.0015,
    "unknown_fk": 0.0015,
    "malformed_json": 0.0010,
    "clock_skew": 0.0005,
    "schema_drift": 0.0010,
}
#: Amount defects apply to order lines only (the one stream with amounts).
DEFAULT_ORDER_DEFECT_RATES: dict[str, float] = {
    "negative_amount": 0.0020,
    "absurd_amount": 0.0010,
}
#: Share of CSV rows that are cut short; only rows no other row depends on (social,
#: after_sales, and the change rows of users/anchors after the first day) are cut.
DEFAULT_TRUNCATED_CSV_RATE = 0.002


@dataclass(frozen=True)
class GeneratorConfig:
    """A generator run: `days` days from `start`, deterministic for `seed`.

    `events_per_day` counts lines across the four event streams (views, interactions,
    cart_events, orders); the run lands within a few percent of it. Entity counts default
    to sizes derived from `users` (see `anchor_count`, `product_count`).
    """

    start: date
    days: int
    users: int
    events_per_day: int
    seed: int
    anchors: int | None = None
    products: int | None = None
    event_defect_rates: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_EVENT_DEFECT_RATES)
    )
    order_defect_rates: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_ORDER_DEFECT_RATES)
    )
    truncated_csv_rate: float = DEFAULT_TRUNCATED_CSV_RATE
    empty_file_per_day: bool = True
    # A/B experiments run on the platform (generator/experiments.py; DEMO_EXPERIMENTS is the
    # demo's set). Without any, the simulation is exactly what it was before they existed.
    experiments: tuple[Experiment, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.days < 1:
            problems.append(f"days must be >= 1 (got {self.days})")
        if self.users < 100:
            problems.append(f"users must be >= 100 (got {self.users})")
        if self.events_per_day < 1_000:
            problems.append(f"events_per_day must be >= 1000 (got {self.events_per_day})")
        if self.anchors is not None and self.anchors < 36:
            problems.append(f"anchors must be >= 36: 3 tiers in 12 categories (got {self.anchors})")
        if self.products is not None and self.products < 12:
            problems.append(f"products must be >= 12, one per category (got {self.products})")
        unknown = set(self.event_defect_rates) - set(DEFAULT_EVENT_DEFECT_RATES)
        unknown |= set(self.order_defect_rates) - set(DEFAULT_ORDER_DEFECT_RATES)
        if unknown:
            problems.append(f"unknown defect kinds {sorted(unknown)}")
        rates = [*self.event_defect_rates.values(), *self.order_defect_rates.values()]
        if any(r < 0 for r in rates) or sum(self.event_defect_rates.values()) > 0.2:
            problems.append("defect rates must be >= 0 and sum to at most 0.2")
        if problems:
            raise ValueError("invalid generator config: " + "; ".join(problems))

    @property
    def anchor_count(self) -> int:
        """Every category gets at least one head, one mid and one long-tail anchor."""
        return self.anchors or max(36, self.users // 500)

    @property
    def product_count(self) -> int:
        return self.products or max(240, self.users // 50)

    @classmethod
    def without_defects(cls, **kwargs: object) -> GeneratorConfig:
        """The same platform with every defect switched off (the ground truth itself)."""
        return cls(
            event_defect_rates=dict.fromkeys(DEFAULT_EVENT_DEFECT_RATES, 0.0),
            order_defect_rates=dict.fromkeys(DEFAULT_ORDER_DEFECT_RATES, 0.0),
            truncated_csv_rate=0.0,
            empty_file_per_day=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def describe(self) -> dict[str, object]:
        """JSON-ready echo of the config for the manifest."""
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["anchors"] = self.anchor_count
        out["products"] = self.product_count
        return out
