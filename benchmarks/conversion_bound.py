"""How good can a conversion model get on the generated demo week? A known answer from the
generator's own truth, so the metric gate's "log-loss ≤ 0.9 × the base-rate model's" can be
judged against what the data allows rather than against hope.

The generator draws each visit's purchase propensity (logit = intercept + 6 · score, the
four drivers weighted 35/28/22/15) and the product the visit lands on (the one explained when
the user enters). This replays the generator (same seed, same random stream: the landed
defects draw from another, so the truth is the demo's), rebuilds the training examples as
`jobs/gold/training.py` does (user × session entered × product explained that day, label =
paid) and scores a day under growing information (`TIER_INPUTS`), each tier a logistic
regression on the log of its quantities fitted on other days (the true structure is
multiplicative, so this is close to the best predictor for that information):

- `n_products`: 1 / products explained in the session (the candidate list itself says it);
- `anchor`: + the anchor's expected propensity given its professionalism and tier, the
  other three drivers averaged over the generator's own distributions (all a snapshot of
  D-1 can know of the drivers: the day's explanation length, interaction rate and discount
  are drawn on D; the day's intercept is taken from the truth, a generous rounding);
- `user_history`: + the user's purchase history before D and true activity (the generator
  hands buying visits to users by these);
- `user_interest`: + whether the session's category is the user's true favourite that day.
  Not a driver but an artefact: buying visits go to users whatever their interests, so in
  generated data interest predicts *not* buying;
- `visit_propensity`: `user_history` + the true propensity of the user's visits to the
  session (day D: not knowable at D-1), still not which product the visit landed on;
- `landed_product`: + how many of those visits landed on the product (a real-time model's
  information at entry);
- `oracle`: the generator's propensity on the landed product itself, no fit.

Run: `.venv/bin/python -m benchmarks.conversion_bound` (about a minute for the demo week; no
Spark).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from livelake.generator import day as gen_day
from livelake.generator.catalog import Platform, create_platform
from livelake.generator.config import GeneratorConfig
from livelake.generator.experiments import DEMO_EXPERIMENTS, ExperimentBook

MONTE_CARLO_DRAWS = 4_000


@dataclass
class Replayed:
    """One simulated day: the rooms, visits (with the buyers' users) and who had bought."""

    day_index: int
    rooms: gen_day.Rooms
    visits: gen_day.Visits
    visit_user: np.ndarray
    bought_before: np.ndarray  # purchases per user before this day
    first_buy_day: np.ndarray  # day index of a user's first purchase, -1 if none
    favourite: np.ndarray  # each user's favourite category on this day (drifts overnight)


def replay(config: GeneratorConfig) -> tuple[list[Replayed], Platform]:
    """Run the generator's simulation only (no defects, no files), recording each day's
    rooms and visits as `simulate_day` hands them to `_behaviour`."""
    rng = np.random.default_rng([config.seed, 0])
    start_ms = int(np.datetime64(config.start, "ms").astype(np.int64))
    platform = create_platform(
        rng, config.users, config.anchor_count, config.product_count, start_ms
    )
    buyers = gen_day.BuyerBook()
    # The experiments' effects are part of the truth (`livelake demo` runs DEMO_EXPERIMENTS)
    book = ExperimentBook(config.seed, config.experiments) if config.experiments else None
    seen: list[tuple] = []
    original = gen_day._behaviour

    def recording(rng, p, rooms, visits, visit_user, day_index, stamp):
        seen.append((rooms, visits, visit_user.copy(), p.user_favourite.copy()))
        return original(rng, p, rooms, visits, visit_user, day_index, stamp)

    days: list[Replayed] = []
    bought = np.zeros(config.users, dtype=np.int64)
    first = np.full(config.users, -1)
    gen_day._behaviour = recording
    try:
        for index in range(config.days):
            day = config.start + timedelta(days=index)
            gen_day.simulate_day(
                rng, platform, index, day, config.days - 1, config.events_per_day, buyers, book
            )
            rooms, visits, visit_user, favourite = seen[-1]
            days.append(
                Replayed(index, rooms, visits, visit_user, bought.copy(), first.copy(), favourite)
            )
            buyer_users = visit_user[visits.buys]
            np.add.at(bought, buyer_users, 1)
            first[buyer_users] = np.where(first[buyer_users] < 0, index, first[buyer_users])
    finally:
        gen_day._behaviour = original
    return days, platform


def _score(prof: np.ndarray, explained_s, rate, discount) -> np.ndarray:
    """The generator's driver score (day.py: draw_visits), from its own constants."""
    g = gen_day
    return (
        g.WEIGHT_PROFESSIONALISM * prof / 100.0
        + g.WEIGHT_EXPLANATION * np.minimum(explained_s / g.EXPLANATION_FULL_SECONDS, 1.0)
        + g.WEIGHT_INTERACTION * np.minimum(rate / g.INTERACTION_FULL_PER_MINUTE, 1.0)
        + g.WEIGHT_PRICE_ANCHOR * np.minimum(discount / g.PRICE_ANCHOR_FULL_DISCOUNT, 1.0)
    )


def anchor_expected_propensity(
    d: Replayed, prof: np.ndarray, tier: np.ndarray, seed: int
) -> np.ndarray:
    """E[propensity | anchor] with the day-D drivers averaged out: explanation length and
    discount drawn from the anchor's tier's segments weighted by length (a visit lands on a
    segment in proportion to its length), interaction rate from the generator's gamma."""
    rng = np.random.default_rng(seed)
    rooms, v = d.rooms, d.visits
    seg_s = (rooms.seg_end - rooms.seg_start) / 1000
    seg_tier = tier[rooms.seg_session]
    explained = seg_s[v.segment]
    intercept = float(
        np.median(
            np.log(v.propensity / (1 - v.propensity))
            - gen_day.PROPENSITY_SLOPE
            * _score(prof[v.session], explained, v.interaction_rate, rooms.seg_discount[v.segment])
        )
    )
    expected = np.empty(len(prof))
    for t in np.unique(tier):
        segs = np.flatnonzero(seg_tier == t)
        pick = rng.choice(segs, MONTE_CARLO_DRAWS, p=seg_s[segs] / seg_s[segs].sum())
        mean_rate = gen_day.TIER_INTERACTIONS_PER_MINUTE[t]
        rate = rng.gamma(2.0, mean_rate / 2.0, MONTE_CARLO_DRAWS)
        for a in np.flatnonzero(tier == t):
            s = _score(prof[a], seg_s[pick], rate, rooms.seg_discount[pick])
            logit = intercept + gen_day.PROPENSITY_SLOPE * s
            expected[a] = np.mean(1 / (1 + np.exp(-logit)))
    return expected


def examples(d: Replayed, p: Platform, seed: int) -> pd.DataFrame:
    """The day's exposures as the training job builds them, with each tier's quantities."""
    rooms, v = d.rooms, d.visits
    prof, tier = p.anchor_professionalism, p.anchor_tier
    product = rooms.seg_product[v.segment]
    visits = pd.DataFrame(
        {
            "user": d.visit_user,
            "session": v.session,
            "product": product,
            "enter": v.enter,
            "propensity": v.propensity,
            "buys": v.buys,
        }
    )
    entered = visits.groupby(["user", "session"], as_index=False).agg(
        entered=("enter", "min"), visit_propensity=("propensity", "mean")
    )
    shown = pd.DataFrame({"session": rooms.seg_session, "product": rooms.seg_product})
    shown = shown.drop_duplicates()
    shown["n_products"] = shown.groupby("session")["product"].transform("size")
    rows = entered.merge(shown, on="session")
    keys = ["user", "session", "product"]
    landed = (
        visits.assign(miss=1 - visits["propensity"])
        .groupby(keys, as_index=False)
        .agg(miss=("miss", "prod"), label=("buys", "max"), landed=("buys", "size"))
    )
    rows = rows.merge(landed, on=keys, how="left")
    rows["oracle"] = 1 - rows["miss"].fillna(1.0)
    rows["landed"] = rows["landed"].fillna(0)
    rows["label"] = rows["label"].astype("boolean").fillna(False).astype(int)
    rows["anchor_propensity"] = anchor_expected_propensity(d, prof, tier, seed)[rows["session"]]
    rows["bought_before"] = d.bought_before[rows["user"]]
    first = d.first_buy_day[rows["user"]]
    rows["first_buy_day"] = first
    rows["days_since_first_buy"] = np.where(first < 0, -1, d.day_index - first)
    rows["activity"] = p.user_activity[rows["user"]]
    rows["is_favourite"] = d.favourite[rows["user"]] == p.anchor_category[rows["session"]]
    rows["day_index"] = d.day_index
    return rows.drop(columns=["miss", "entered"])


#: Each tier's inputs. `user_interest` branches off `user_history`: it is the generator's
#: artefact (see the module docstring), not a driver.
TIER_INPUTS = {
    "n_products": ("n_products",),
    "anchor": ("n_products", "anchor"),
    "user_history": ("n_products", "anchor", "history"),
    "user_interest": ("n_products", "anchor", "history", "interest"),
    "visit_propensity": ("n_products", "anchor", "history", "visit"),
    "landed_product": ("n_products", "anchor", "history", "visit", "landed"),
}


def _logit(p: pd.Series) -> pd.Series:
    return np.log(p / (1 - p))


def design(rows: pd.DataFrame, tier: str) -> np.ndarray:
    """The log-scale inputs of an information tier."""
    ever = (rows["bought_before"] > 0).astype(float)
    favourite = rows["is_favourite"].astype(float)
    inputs = {
        "n_products": [-np.log(rows["n_products"])],
        "anchor": [_logit(rows["anchor_propensity"])],
        "history": [
            np.log1p(rows["bought_before"]),
            *((rows["days_since_first_buy"] == k).astype(float) for k in range(1, 7)),
            *((rows["first_buy_day"] == k).astype(float) for k in range(6)),
            np.log(rows["activity"]),
        ],
        "interest": [favourite, ever * favourite],
        "visit": [_logit(rows["visit_propensity"])],
        "landed": [np.log(np.maximum(rows["landed"], 1e-6))],
    }
    return np.column_stack([c for name in TIER_INPUTS[tier] for c in inputs[name]])


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _fit_predict(train: pd.DataFrame, score: pd.DataFrame, tier: str) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4, max_iter=2_000)
    model.fit(design(train, tier), train["label"].to_numpy())
    return model.predict_proba(design(score, tier))[:, 1]


def ratios(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    """Each tier's test log-loss over the base-rate model's (the train rows' rate)."""
    y = test["label"].to_numpy()
    constant = log_loss(y, np.full(len(y), train["label"].mean()))
    found = {tier: log_loss(y, _fit_predict(train, test, tier)) / constant for tier in TIER_INPUTS}
    found["oracle"] = log_loss(y, test["oracle"].to_numpy()) / constant
    return found


def bound(config: GeneratorConfig) -> dict:
    """Log-loss ratios to the base-rate model per information tier: on the last day (the
    trainer's test day) fitted on the days before it, and over every day, each scored by a
    fit on the other days (less noisy than one day's ~100 positives)."""
    days, platform = replay(config)
    # Day 1's examples have no D-1 snapshot: the trainer drops them, so do we.
    frame = pd.concat([examples(d, platform, config.seed) for d in days[1:]], ignore_index=True)
    day = frame["day_index"]
    last = config.days - 1
    pooled = {}
    for k in sorted(day.unique()):
        pooled[k] = ratios(frame[day != k], frame[day == k])
    return {
        "config": config.describe(),
        "examples_by_day": {
            str(config.start + timedelta(days=int(k))): [len(g), int(g["label"].sum())]
            for k, g in frame.groupby("day_index")
        },
        "last_day": ratios(frame[day < last], frame[day == last]),
        "leave_one_day_out_mean": {
            tier: float(np.mean([r[tier] for r in pooled.values()])) for tier in pooled[last]
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--events-per-day", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    args = parser.parse_args(argv)
    config = GeneratorConfig.without_defects(
        start=args.start,
        days=args.days,
        users=args.users,
        events_per_day=args.events_per_day,
        seed=args.seed,
        experiments=DEMO_EXPERIMENTS,  # as `livelake demo` runs it
    )
    print(json.dumps(bound(config), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
