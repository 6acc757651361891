"""Driver importance with uncertainty: permutation importance per feature group with bootstrap
intervals, and "ranks as generated" claimed only when the intervals separate."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from livelake.model.importance import driver_groups, driver_ranking, grouped_importances

PLANNED = [
    "anchor professionalism",
    "product explanation time",
    "interaction frequency",
    "price anchoring",
]


def _fitted(n: int = 4_000):
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a__strong": rng.normal(size=n), "a__unused": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2 + 2 * x["a__strong"])))).astype("int64")
    model = LogisticRegression().fit(x[["a__strong"]].assign(a__unused=0.0), y)
    model.coef_[0, 1] = 0.0  # the model ignores a__unused exactly
    return model, x, y.to_numpy()


def test_a_feature_the_model_ignores_has_zero_importance_and_a_zero_interval():
    model, x, y = _fitted()

    found = grouped_importances(
        model, x, y, {"strong": ["a__strong"], "unused": ["a__unused"]}, 7, 3, 200
    )

    assert found["unused"] == {"importance": 0.0, "low": 0.0, "high": 0.0}
    assert 0 < found["strong"]["low"] < found["strong"]["importance"] < found["strong"]["high"]


def test_the_same_seed_gives_the_same_intervals():
    model, x, y = _fitted()
    groups = {"strong": ["a__strong"], "both": ["a__strong", "a__unused"]}

    first = grouped_importances(model, x, y, groups, 7, 3, 200)

    assert grouped_importances(model, x, y, groups, 7, 3, 200) == first


def _importances(*intervals: tuple[float, float, float]) -> dict:
    return {
        name: {"importance": mid, "low": low, "high": high}
        for name, (low, mid, high) in zip(PLANNED, intervals, strict=True)
    }


def test_drivers_rank_as_generated_only_when_each_interval_clears_the_next():
    groups = {name: [f"x__{i}"] for i, name in enumerate(PLANNED)}
    separated = _importances((8, 9, 10), (5, 6, 7), (3, 4, 4.5), (1, 2, 2.5))
    overlapping = _importances((8, 9, 10), (6, 6.5, 7), (3, 4, 5.5), (1, 2, 3.5))

    assert driver_ranking(separated, groups)["ranks_as_generated"] is True
    ranking = driver_ranking(overlapping, groups)
    assert (ranking["order_as_planned"], ranking["ranks_as_generated"]) == (True, False)
    assert ranking["overlapping"] == ["interaction frequency / price anchoring"]


def test_a_driver_without_features_means_no_ranking_claim():
    features = ["anchor__professionalism_score", "product__explain_seconds_7d", "user__noise"]
    groups = driver_groups(features)
    found = {name: {"importance": 1.0, "low": 0.5, "high": 1.5} for name in groups}

    ranking = driver_ranking(found, groups)

    assert groups == {
        "anchor professionalism": ["anchor__professionalism_score"],
        "product explanation time": ["product__explain_seconds_7d"],
    }
    assert ranking["missing"] == ["interaction frequency", "price anchoring"]
    assert ranking["ranks_as_generated"] is False
