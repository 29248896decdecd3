"""The Transformer port against tensor2tensor 1.15.7's own Transformer, run in a TF1 graph.

tests/goldens/record_transformer_goldens.py ran t2t's `Transformer` (its
T2TModel machinery, modalities and beam search, unmodified) in a Session:
teacher-forced logits, greedy and beam-search decodes from `model.infer`,
and the gradients of a fixed linear loss. The port must match them all,
eagerly and in `tf.function`.
"""

import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

import zoo
from checkpoints_tools import check_parity, load_tf1_checkpoint
from tf1track_core import tf1_name

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "transformer"
CASES = sorted(path.name for path in GOLDENS.iterdir() if (path / "meta.json").is_file())


def _loaded(case):
    directory = GOLDENS / case
    meta = json.loads((directory / "meta.json").read_text())
    with np.load(directory / "inputs.npz", allow_pickle=False) as data:
        inputs = {name: data[name] for name in meta["inputs"]}
    layer = zoo.build("transformer", **meta["config"])
    layer(*inputs.values())
    report = load_tf1_checkpoint(layer, str(directory / "model.ckpt"))
    assert not report.missing and not report.unexpected and not report.mismatched
    return directory, meta, inputs, layer


def test_there_are_goldens():
    assert len(CASES) >= 2, CASES


@pytest.mark.parametrize("case", CASES)
def test_teacher_forced_logits_match_t2t(case):
    directory, meta, inputs, layer = _loaded(case)
    report = check_parity(layer, directory)
    assert report.passed, report.table()
    with np.load(directory / "outputs.npz", allow_pickle=False) as data:
        expected = data["logits"]
    traced = tf.function(layer)(*[tf.constant(v) for v in inputs.values()])
    np.testing.assert_allclose(traced.numpy(), expected, atol=meta["atol"], rtol=meta["rtol"])


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("case", CASES)
def test_greedy_and_beam_decodes_equal_t2t_token_for_token(case, use_function):
    directory, _, inputs, layer = _loaded(case)
    settings = json.loads((directory / "decode.json").read_text())
    for kind, beam_size in (("greedy", 1), ("beam", settings["beam_size"])):
        def decode(ids, beam_size=beam_size):
            return layer.decode(ids, beam_size=beam_size, alpha=settings["alpha"],
                                max_length=settings["max_length"])
        decoded = (tf.function(decode) if use_function else decode)(tf.constant(inputs["inputs"]))
        with np.load(directory / f"decode_{kind}.npz", allow_pickle=False) as data:
            np.testing.assert_array_equal(decoded["outputs"].numpy(), data["outputs"],
                                          err_msg=f"{case} {kind}")
            np.testing.assert_allclose(decoded["scores"].numpy(), data["scores"], atol=1e-5,
                                       rtol=1e-5, err_msg=f"{case} {kind}")


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_t2t(case):
    directory, _, inputs, layer = _loaded(case)
    with np.load(directory / "gradients.npz", allow_pickle=False) as data:
        expected = {key: data[key] for key in data.files}
    weights = tf.constant(expected.pop("w"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(*inputs.values()) * weights)
    grads = dict(zip((tf1_name(w) for w in layer.trainable_weights),
                     tape.gradient(loss, layer.trainable_weights)))
    assert set(expected) <= set(grads)
    for name, value in expected.items():
        scale = max(float(np.abs(value).max()), 1.0)
        np.testing.assert_allclose(tf.convert_to_tensor(grads[name]).numpy(), value,
                                   atol=1e-5 * scale, rtol=1e-5, err_msg=name)
