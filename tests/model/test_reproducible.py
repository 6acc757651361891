"""Reproducible: the same data and configuration give the same model, whatever order the Delta
table returns its rows in, and the card says what to pin to get it again."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import sklearn

from livelake.model.data import read_training_examples
from livelake.model.train import TrainingConfig, prepare_features, train_and_publish
from livelake.version import code_version
from tests.model.training_lake import planted_training_set, publish_rows, write_training_set


def _predictions(card: dict, lake_root) -> np.ndarray:
    saved = joblib.load(card["paths"]["model"])
    frame = read_training_examples(str(lake_root), 0)
    return saved["model"].predict_proba(prepare_features(frame, saved["features"]))[:, 1]


def test_training_twice_on_the_same_rows_in_another_order_gives_identical_results(gated_lake):
    first = train_and_publish(TrainingConfig(seed=7)).card
    reordered = planted_training_set().sample(frac=1.0, random_state=11).reset_index(drop=True)
    publish_rows(gated_lake, write_training_set(gated_lake, reordered), run_id="run-2")

    second = train_and_publish(TrainingConfig(seed=7)).card

    assert (first["data"]["table_version"], second["data"]["table_version"]) == (0, 1)
    assert second["metrics"] == first["metrics"]
    assert second["fit"] == first["fit"]
    assert second["feature_importances"] == first["feature_importances"]
    assert np.array_equal(_predictions(second, gated_lake), _predictions(first, gated_lake))


def test_the_card_records_data_versions_code_seed_and_libraries(gated_lake):
    publish_rows(gated_lake, 4, table_name="gold/user_features", stage="features")

    card = train_and_publish(TrainingConfig(seed=7)).card

    assert card["table_versions"] == {"gold/training_examples": 0, "gold/user_features": 4}
    prov = card["provenance"]
    assert (prov["code_version"], prov["seed"]) == (code_version(), 7)
    assert prov["config"]["min_leaf_positives"] == TrainingConfig().min_leaf_positives
    assert prov["libraries"]["scikit-learn"] == sklearn.__version__
    assert prov["libraries"]["numpy"] == np.__version__
    markdown = Path(card["paths"]["markdown"]).read_text()
    assert f"seed **7**, Python {prov['python']}; scikit-learn {sklearn.__version__}" in markdown
    assert "`gold/user_features` v4" in markdown
