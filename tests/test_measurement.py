"""What `measure_model` found, as typed fields, and the JSON it has always been saved as: a run's
outcome.json (which `posattn compare` reads back to reuse the run), results.json and
benchmark.json. The expected JSON below is written out by hand (as the code before the typed
`Measurement` wrote it), so a change to its keys, their order or their formatting fails here."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from posattn.comparison import (
    OUTCOME_FILE,
    Outcome,
    Suite,
    SummarizedScores,
    Variant,
    _reusable,
    summarize,
)
from posattn.config import config_to_dict, load_config
from posattn.evaluation.measure import Measurement, SplitScores

from .conftest import TOY_CONFIG

# A run's outcome.json "outcome", as written before measurements were typed (its per-token
# results cut to ten tokens): a model with two more targets, FEATS before XPOS, and a dev set
# without unknown words.
SAVED_OUTCOME = """{
 "name": "feats-first",
 "claim": "targets in another order",
 "status": "trained",
 "seed": 1,
 "run": "feats-first-seed1",
 "error": null,
 "train_minutes": 0.00979438398333059,
 "epochs_run": 3,
 "best_epoch": 3,
 "metrics": {
  "treebank": "en_toy",
  "dev_accuracy": 0.944,
  "dev_feats_accuracy": 0.932,
  "dev_xpos_accuracy": 0.936,
  "dev_oov_accuracy": null,
  "dev_ambiguous_accuracy": 0.7586206896551724,
  "dev_tokens": 250,
  "test_accuracy": 0.948,
  "test_feats_accuracy": 0.932,
  "test_xpos_accuracy": 0.948,
  "test_oov_accuracy": 0.8,
  "test_ambiguous_accuracy": 0.7777777777777778,
  "test_tokens": 250,
  "tagging_tokens_per_second": 88391.07037493408,
  "test_correct": "1111111101",
  "tags": {
   "I saw a saw .": "PRON VERB DET VERB PUNCT",
   "They saw the man with the saw": "PRON NOUN DET PUNCT PRON DET NOUN"
  },
  "parameters": 86495
 },
 "dev_curve": [
  0.888,
  0.924,
  0.944
 ]
}"""

# A UPOS-only model's measurement: its keys, in the order every file has them.
UPOS_ONLY_KEYS = [
    "treebank",
    "dev_accuracy",
    "dev_oov_accuracy",
    "dev_ambiguous_accuracy",
    "dev_tokens",
    "test_accuracy",
    "test_oov_accuracy",
    "test_ambiguous_accuracy",
    "test_tokens",
    "tagging_tokens_per_second",
    "test_correct",
    "tags",
    "parameters",
]


def written(data: object) -> str:
    """As `atomic_write_json` writes it (less the final newline)."""
    return json.dumps(data, indent=1, ensure_ascii=False)


def measurement(test_correct: str = "1101", accuracy: float = 0.75) -> Measurement:
    split = SplitScores(
        accuracy=accuracy, target_accuracies={}, oov_accuracy=None, ambiguous_accuracy=0.5,
        tokens=len(test_correct),
    )  # fmt: skip
    return Measurement(
        treebank="en_toy",
        dev=split,
        test=split,
        tagging_tokens_per_second=1000.0,
        test_correct=tuple(c == "1" for c in test_correct),
        tags={"I saw a saw": "PRON VERB DET NOUN"},
        parameters=1234,
    )


def test_a_saved_outcome_reads_as_typed_fields_and_writes_back_the_same() -> None:
    outcome = Outcome.from_json(json.loads(SAVED_OUTCOME))
    m = outcome.measurement
    assert m.treebank == "en_toy" and m.parameters == 86495
    assert m.dev.accuracy == 0.944 and m.dev.oov_accuracy is None and m.dev.tokens == 250
    assert m.test.target_accuracies == {"feats": 0.932, "xpos": 0.948}
    assert list(m.test.target_accuracies) == ["feats", "xpos"]  # the model's order, kept
    assert m.test.oov_accuracy == 0.8 and m.test.ambiguous_accuracy == 0.7777777777777778
    assert m.test_correct == (True,) * 8 + (False, True)
    assert m.tags["I saw a saw ."] == "PRON VERB DET VERB PUNCT"
    assert outcome.dev_curve == [0.888, 0.924, 0.944] and outcome.best_epoch == 3
    assert written(outcome.to_json()) == SAVED_OUTCOME


def test_results_json_leaves_the_per_token_results_out_and_still_reads_back() -> None:
    outcome = Outcome.from_json(json.loads(SAVED_OUTCOME))
    summary_form = outcome.to_json(with_test_correct=False)
    expected = json.loads(SAVED_OUTCOME)
    del expected["metrics"]["test_correct"]
    assert written(summary_form) == written(expected)
    again = Outcome.from_json(summary_form)
    assert again.measurement.test_correct is None
    assert again.to_json(with_test_correct=False) == summary_form


def test_the_keys_of_a_measurement_and_their_order() -> None:
    data = measurement().to_json()
    assert list(data) == UPOS_ONLY_KEYS
    assert data["test_correct"] == "1101" and data["dev_oov_accuracy"] is None
    assert Measurement.from_json(data) == measurement()
    # benchmark.json shows the tags of its one sentence under a key of its own.
    assert list(measurement().to_json(with_tags=False)) == [
        key for key in UPOS_ONLY_KEYS if key != "tags"
    ]


def test_an_unmeasured_outcome_has_empty_metrics() -> None:
    failed = Outcome("gru", "a claim", "failed", None, "gru", error="it broke")
    assert written(failed.to_json()) == written(
        {"name": "gru", "claim": "a claim", "status": "failed", "seed": None, "run": "gru",
         "error": "it broke", "train_minutes": None, "epochs_run": None, "best_epoch": None,
         "metrics": {}, "dev_curve": []}
    )  # fmt: skip
    assert Outcome.from_json(failed.to_json()) == failed
    with pytest.raises(ValueError, match="gru was not measured"):
        failed.measurement  # noqa: B018


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda m: m.pop("test_accuracy"), KeyError),
        (lambda m: m.update(test_correct="11x1"), ValueError),
        (lambda m: m.update(dev_tokens=250.0), TypeError),
        (lambda m: m.update(tags=["PRON"]), TypeError),
    ],
)
def test_a_damaged_measurement_is_an_error_reuse_catches(
    change: Callable[[dict[str, Any]], object], error: type[Exception]
) -> None:
    data = json.loads(SAVED_OUTCOME)["metrics"]
    change(data)
    with pytest.raises(error):
        Measurement.from_json(data)


def test_a_run_without_per_token_results_trains_again(tmp_path: Path) -> None:
    config = load_config(TOY_CONFIG)
    saved = json.loads(SAVED_OUTCOME)
    (tmp_path / OUTCOME_FILE).write_text(
        json.dumps({"config": config_to_dict(config), "outcome": saved})
    )
    reused = _reusable(tmp_path, config)
    assert reused is not None and reused.status == "reused"
    assert reused.measurement == Outcome.from_json(saved).measurement
    # Written before the paired test, its test tokens were not kept one by one.
    del saved["metrics"]["test_correct"]
    (tmp_path / OUTCOME_FILE).write_text(
        json.dumps({"config": config_to_dict(config), "outcome": saved})
    )
    assert _reusable(tmp_path, config) is None


def test_summaries_average_the_typed_scores_and_pair_the_tokens() -> None:
    suite = Suite(
        path=Path("suite.yaml"), base=Path("base.yaml"), budgets={}, sentences=[],
        variants=[Variant("ref", "", []), Variant("other", "", [])], seeds=[1, 2], reference="ref",
    )  # fmt: skip
    outcomes = [
        Outcome("ref", "", "trained", 1, metrics=measurement("1100", 0.5)),
        Outcome("ref", "", "reused", 2, metrics=measurement("1100", 0.5)),
        Outcome("other", "", "trained", 1, metrics=measurement("1011", 0.75)),
        Outcome("other", "", "trained", 2, metrics=measurement("1111", 1.0)),
        Outcome("other", "", "failed", 3),
    ]
    ref, other = summarize(suite, outcomes)
    assert ref.paired is None and ref.std.test_accuracy == 0.0
    assert other.seeds == [1, 2]
    assert other.mean.test_accuracy == 0.875
    assert other.std.test_accuracy == pytest.approx(0.25 / 2**0.5)
    assert other.mean.test_oov_accuracy == 0.0  # no unknown words counts as 0
    # Seed 1: better on tokens 3 and 4, worse on token 2; seed 2: better on 3 and 4.
    assert other.paired is not None
    assert (other.paired.better, other.paired.worse) == (4, 1)
    # In results.json, the mean and spread keep the keys they had as dicts.
    assert list(asdict(other)["mean"]) == [
        "dev_accuracy", "test_accuracy", "test_ambiguous_accuracy", "test_oov_accuracy",
        "tagging_tokens_per_second",
    ]  # fmt: skip
    assert SummarizedScores.of(measurement()).test_ambiguous_accuracy == 0.5
