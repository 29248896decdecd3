"""The nmt port against an independent TF1 graph-mode reference of tensorflow/nmt.

tests/goldens/record_nmt_goldens.py built nmt's models from TF core ops,
TF core's dynamic_rnn and tf-keras's legacy TF1 cells (not tf1track) in a
TF1 graph with seeded random weights, and recorded per case under
tests/goldens/nmt/: the TF1 checkpoint, teacher-forced logits, gradients of
sum(w * logits), greedy ids and lengths, and beam-search ids, scores and
parents (`decode.npz`). Here `zoo.build("nmt", ...)` loads each checkpoint
strictly by name and must reproduce all of it, eager and in `tf.function`.
"""

import json
import pathlib
import re
import types

import numpy as np
import pytest
import tensorflow as tf

import zoo
from checkpoints_tools import check_parity, load_tf1_checkpoint
from goldens.nmt_cases import CASES, EOS_ID
from tf1track_core import tf1_name

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "nmt"
MODES = pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
GRADIENT_RTOL = 1e-5  # of the largest gradient
SCORE_ATOL = 1e-5


def _arrays(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module", params=sorted(CASES))
def golden(request):
    """The case's files, and the port built from its config with its checkpoint loaded."""
    directory = GOLDENS / request.param
    meta = json.loads((directory / "meta.json").read_text())
    inputs = _arrays(directory / "inputs.npz")
    layer = zoo.build("nmt", **meta["config"])
    args = [tf.constant(inputs[name]) for name in meta["inputs"]]
    layer(*args)
    report = load_tf1_checkpoint(layer, str(directory / "model.ckpt"))  # strict
    return types.SimpleNamespace(
        name=request.param, directory=directory, meta=meta, args=args, layer=layer,
        report=report, logits=_arrays(directory / "outputs.npz")["logits"],
        decode=_arrays(directory / "decode.npz"))


def test_every_case_has_a_golden():
    assert sorted(p.name for p in GOLDENS.iterdir() if (p / "meta.json").is_file()) == \
        sorted(CASES)


def test_checkpoint_loads_strictly_every_variable(golden):
    report = golden.report
    assert not report.missing and not report.unexpected and not report.mismatched
    names = {tf1_name(w) for w in golden.layer.weights}
    assert names == {k[len("grad:"):] for k in golden.decode if k.startswith("grad:")}
    # A partitioned table is one checkpoint tensor for its `part_<i>` variables.
    assert len(report.loaded) == len({re.sub(r"/part_\d+$", "", n) for n in names})


@MODES
def test_logits_match_the_reference(golden, use_function):
    call = tf.function(golden.layer) if use_function else golden.layer
    logits = call(*golden.args).numpy()
    assert logits.shape == golden.logits.shape
    np.testing.assert_allclose(logits, golden.logits, atol=golden.meta["atol"],
                               rtol=golden.meta["rtol"])


def test_gradients_match_the_reference(golden):
    weights = golden.layer.trainable_weights
    w = tf.constant(golden.decode["w"])

    @tf.function
    def gradients():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * golden.layer(*golden.args))
        return tape.gradient(loss, weights)

    # The scale is the loss's: the largest gradient of any variable (a tiny
    # gradient, e.g. of a query layer, carries the float32 error of the big ones).
    scale = max(np.abs(v).max() for k, v in golden.decode.items() if k.startswith("grad:"))
    for weight, grad in zip(weights, gradients()):
        expected = golden.decode["grad:" + tf1_name(weight)]
        np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), expected,
                                   atol=GRADIENT_RTOL * scale, rtol=GRADIENT_RTOL,
                                   err_msg=tf1_name(weight))


def _batch_major(x, golden):
    return np.swapaxes(x, 0, 1) if golden.meta["config"].get("time_major", True) else x


@MODES
def test_greedy_translation_matches_the_reference(golden, use_function):
    source, source_lengths = golden.args[:2]
    translate = lambda s, n: golden.layer.translate(s, n, beam_width=0,  # noqa: E731
                                                     return_end_points=True)
    out = (tf.function(translate) if use_function else translate)(source, source_lengths)
    decoded = out["decoder_outputs"]
    np.testing.assert_array_equal(_batch_major(decoded.sample_id.numpy(), golden),
                                  golden.decode["greedy_ids"])
    np.testing.assert_array_equal(out["decoder_lengths"].numpy(), golden.decode["greedy_lengths"])
    # translate's own ids stop at </s>: its lengths exclude it.
    ids = golden.decode["greedy_ids"]
    before_eos = np.cumsum(ids == EOS_ID, axis=1) == 0
    np.testing.assert_array_equal(out["lengths"].numpy(), before_eos.sum(1))
    np.testing.assert_array_equal(out["ids"].numpy(), np.where(before_eos, ids, EOS_ID))


@MODES
def test_beam_search_matches_the_reference(golden, use_function):
    source, source_lengths = golden.args[:2]
    translate = lambda s, n: golden.layer.translate(s, n, return_end_points=True)  # noqa: E731
    out = (tf.function(translate) if use_function else translate)(source, source_lengths)
    decoded, d = out["decoder_outputs"], golden.decode
    steps = decoded.beam_search_decoder_output
    np.testing.assert_array_equal(_batch_major(steps.predicted_ids.numpy(), golden),
                                  d["beam_step_ids"])
    np.testing.assert_array_equal(_batch_major(steps.parent_ids.numpy(), golden),
                                  d["beam_parent_ids"])
    np.testing.assert_allclose(_batch_major(steps.scores.numpy(), golden), d["beam_scores"],
                               atol=SCORE_ATOL)
    np.testing.assert_array_equal(_batch_major(decoded.predicted_ids.numpy(), golden),
                                  d["beam_ids"])
    np.testing.assert_array_equal(out["final_state"].lengths.numpy(), d["beam_final_lengths"])
    best = d["beam_ids"][:, :, 0]
    before_eos = np.cumsum(best == EOS_ID, axis=1) == 0
    np.testing.assert_array_equal(out["ids"].numpy(), np.where(before_eos, best, EOS_ID))
    np.testing.assert_array_equal(out["lengths"].numpy(), before_eos.sum(1))


def test_the_goldens_exercise_early_stops_and_finished_beams():
    """The decodes the goldens hold are not all trivial full-length runs."""
    greedy_stops, beams_kept = [], []
    for name in CASES:
        d = _arrays(GOLDENS / name / "decode.npz")
        steps = 2 * max(CASES[name]["source_lengths"])
        greedy_stops.append(d["greedy_ids"].shape[1] < steps)
        finished = d["beam_finished"]  # [batch, steps, beam]
        beams_kept.append(bool(finished[:, :-1].any()) and d["beam_ids"].shape[1] > 1)
    assert sum(greedy_stops) >= 3 and not all(greedy_stops), greedy_stops
    assert sum(beams_kept) >= 3, beams_kept


def test_check_parity_passes(golden):
    report = check_parity(zoo.build("nmt", **golden.meta["config"]), golden.directory)
    assert report.passed, report.table()
