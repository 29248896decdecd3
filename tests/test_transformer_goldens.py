"""The Transformer port against tensor2tensor's OWN code (goldens of t2t 1.15.7).

tests/goldens/record_transformer_goldens.py ran t2t's `Transformer` (its
`T2TModel` machinery, modalities, `fast_decode` and `beam_search`) in a TF1
graph with seeded random weights and recorded, per case under
tests/goldens/transformer/: the TF1 checkpoint, teacher-forced logits,
greedy and beam decodes (`decode_greedy.npz`, `decode_beam.npz`,
`decode.json`) and the gradients of sum(w * logits) for every variable
(`gradients.npz`). Here the port (`zoo.build("transformer", ...)`) loads each
checkpoint strictly by name and must reproduce all of it, in eager mode and
in `tf.function`.
"""

import json
import pathlib
import types

import numpy as np
import pytest
import tensorflow as tf

import zoo
from checkpoints_tools import check_parity, load_tf1_checkpoint
from tf1track_core import tf1_name

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "transformer"
CASES = sorted(p.name for p in GOLDENS.iterdir() if (p / "meta.json").is_file())
MODES = pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
GRADIENT_RTOL = 1e-5  # of each variable's largest gradient
SCORE_ATOL = 1e-5


def _arrays(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module", params=CASES)
def golden(request):
    """The case's files, and the port built from its config with its checkpoint loaded."""
    directory = GOLDENS / request.param
    meta = json.loads((directory / "meta.json").read_text())
    assert meta["model"] == "transformer" and meta["inputs"] == ["inputs", "targets"]
    inputs = _arrays(directory / "inputs.npz")
    layer = zoo.build("transformer", **meta["config"])
    args = [tf.constant(inputs[name]) for name in meta["inputs"]]
    layer(*args, **meta["call"])
    report = load_tf1_checkpoint(layer, str(directory / "model.ckpt"))  # strict
    return types.SimpleNamespace(
        name=request.param, directory=directory, meta=meta, args=args, layer=layer,
        report=report, logits=_arrays(directory / "outputs.npz")["logits"],
        decode=json.loads((directory / "decode.json").read_text()),
        greedy=_arrays(directory / "decode_greedy.npz"),
        beam=_arrays(directory / "decode_beam.npz"),
        gradients=_arrays(directory / "gradients.npz"))


def test_there_are_goldens():
    assert len(CASES) >= 2, CASES


def test_checkpoint_loads_strictly_every_variable(golden):
    report = golden.report
    assert not report.missing and not report.unexpected and not report.mismatched
    names = {tf1_name(w) for w in golden.layer.weights}
    assert len(report.loaded) == len(names) == len(golden.gradients) - 1  # all but "w"
    assert names == set(golden.gradients) - {"w"}


@MODES
def test_logits_match_t2t(golden, use_function):
    call = tf.function(golden.layer) if use_function else golden.layer
    logits = call(*golden.args, **golden.meta["call"]).numpy()
    assert logits.shape == golden.logits.shape
    np.testing.assert_allclose(logits, golden.logits, atol=golden.meta["atol"],
                               rtol=golden.meta["rtol"])


def test_check_parity_passes(golden):
    report = check_parity(zoo.build("transformer", **golden.meta["config"]), golden.directory)
    assert report.passed, report.table()


@MODES
@pytest.mark.parametrize("search", ["greedy", "beam"])
def test_decode_matches_t2t_token_for_token(golden, search, use_function):
    settings = golden.decode
    beam_size = 1 if search == "greedy" else settings["beam_size"]
    expected = getattr(golden, search)

    def decode(inputs):
        return golden.layer.decode(inputs, beam_size=beam_size, alpha=settings["alpha"],
                                   max_length=settings["max_length"])

    result = (tf.function(decode) if use_function else decode)(golden.args[0])
    outputs, scores = result["outputs"].numpy(), result["scores"].numpy()
    assert outputs.shape == expected["outputs"].shape, (outputs, expected["outputs"])
    np.testing.assert_array_equal(outputs, expected["outputs"].astype(np.int32))
    np.testing.assert_allclose(scores, expected["scores"], atol=SCORE_ATOL, rtol=0)


def test_goldens_exercise_finished_sequences():
    # Some decode ends with EOS before max_length, and some greedy row goes
    # on after its EOS (t2t's greedy loop stops only when every row has one).
    ended = continued = False
    for name in CASES:
        max_length = json.loads((GOLDENS / name / "decode.json").read_text())["max_length"]
        for search in ("greedy", "beam"):
            for ids in _arrays(GOLDENS / name / f"decode_{search}.npz")["outputs"]:
                eos = np.flatnonzero(ids == 1)
                if eos.size:
                    ended |= eos[0] + 1 < max_length
                    continued |= search == "greedy" and bool(ids[eos[0] + 1:].any())
    assert ended and continued


@MODES
def test_gradients_match_t2t(golden, use_function):
    layer = golden.layer
    w = tf.constant(golden.gradients["w"])

    def gradients(inputs, targets):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * layer(inputs, targets, **golden.meta["call"]))
        return tape.gradient(loss, layer.trainable_weights)

    grads = (tf.function(gradients) if use_function else gradients)(*golden.args)
    assert len(grads) == len(golden.gradients) - 1
    for variable, grad in zip(layer.trainable_weights, grads):
        name = tf1_name(variable)
        expected = golden.gradients[name]
        scale = float(np.abs(expected).max())
        np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), expected,
                                   atol=GRADIENT_RTOL * max(scale, 1e-6), rtol=0, err_msg=name)
