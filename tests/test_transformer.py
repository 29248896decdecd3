"""The tensor2tensor Transformer port: the real t2t checkpoint, decoding, bad input.

Parity with t2t's own code is in test_transformer_goldens.py; here the real
TF1 checkpoint written by tensor2tensor (shared/fixtures) loads strictly by
name, the incremental decoder agrees with full teacher-forced recomputation,
eager and `tf.function` agree, and bad configs and ids fail with one clear
error.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import zoo
from checkpoints_tools import CheckpointLoadError, load_tf1_checkpoint
from fixture_paths import tf1_real
from tf1track_core import tf1_name

TINY = dict(hidden_size=16, filter_size=24, num_heads=2, num_hidden_layers=2, vocab_size=23,
            symbol_modality_num_shards=3, layer_prepostprocess_dropout=0.0,
            attention_dropout=0.0, relu_dropout=0.0)
INPUTS = np.array([[5, 7, 9, 3, 1, 0], [4, 2, 1, 0, 0, 0]], np.int32)


def _fixture():
    directory = tf1_real("t2t_transformer_test_ckpt")
    hparams = json.loads((directory / "hparams.json").read_text())
    return directory, dict(hparams, vocab_size=8190)


@pytest.fixture(scope="module")
def fixture_model():
    directory, config = _fixture()
    layer = zoo.build("transformer", **config)
    layer(*layer.example_inputs(2).values())
    report = load_tf1_checkpoint(layer, str(directory / "model.ckpt-1"))
    return layer, report


def _tiny(seed=0, eos_bias=0.0):
    """A tiny model with peaked random weights; `eos_bias` pulls the output toward EOS."""
    layer = zoo.build("transformer", **TINY)
    layer(*layer.example_inputs().values())
    rng = np.random.default_rng(seed)
    weights = {tf1_name(w): w for w in layer.weights}
    for weight in layer.weights:
        weight.assign(rng.normal(size=weight.shape).astype(np.float32) * 0.7)
    # The softmax shares the embedding: a final-norm bias along EOS's row
    # raises EOS's logit everywhere.
    eos_row = weights["transformer/symbol_modality_23_16/shared/weights_0"].numpy()[1]
    bias = weights["transformer/body/decoder/layer_prepostprocess/layer_norm/layer_norm_bias"]
    bias.assign_add(eos_bias * eos_row / np.linalg.norm(eos_row))
    return layer


def test_real_t2t_checkpoint_loads_strictly_with_training_state_skipped(fixture_model):
    layer, report = fixture_model
    assert not report.missing and not report.unexpected and not report.mismatched
    assert len(report.loaded) == len(layer.weights) == 81
    skipped = report.summary()
    assert "164 optimizer state" in skipped and "1 training step" in skipped
    names = {tf1_name(w) for w in layer.weights}
    for name in ("transformer/body/encoder/layer_0/self_attention/multihead_attention/q/kernel",
                 "transformer/body/encoder/layer_1/ffn/conv1/kernel",
                 "transformer/body/decoder/layer_0/encdec_attention/multihead_attention/"
                 "output_transform/kernel",
                 "transformer/body/decoder/layer_prepostprocess/layer_norm/layer_norm_scale",
                 "transformer/body/target_space_embedding/kernel",
                 "transformer/symbol_modality_8190_16/shared/weights_15"):
        assert name in names, name


def test_fixture_model_decodes_the_same_in_eager_and_tf_function(fixture_model):
    layer, _ = fixture_model
    for beam_size in (1, 3):
        eager = layer.decode(INPUTS, beam_size=beam_size, max_length=7)
        traced = tf.function(lambda x, b=beam_size: layer.decode(x, beam_size=b, max_length=7))(
            tf.constant(INPUTS))
        np.testing.assert_array_equal(eager["outputs"], traced["outputs"])
        np.testing.assert_allclose(eager["scores"], traced["scores"], atol=1e-5)
        assert eager["outputs"].shape[0] == 2 and eager["outputs"].dtype == tf.int32


def test_greedy_incremental_decode_equals_full_teacher_forced_recomputation():
    layer = _tiny(eos_bias=2.0)
    decoded = layer.decode(INPUTS, beam_size=1, max_length=9)
    outputs = decoded["outputs"].numpy()
    assert outputs.shape[1] <= 9
    # Teacher forcing on the decoded ids recomputes every position from
    # scratch: its argmax must be what the cached decoder chose.
    logits = layer(INPUTS, outputs).numpy()
    np.testing.assert_array_equal(np.argmax(logits, -1), outputs)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    chosen = np.take_along_axis(log_probs, outputs[..., None], -1)[..., 0]
    for row, ids in enumerate(outputs):
        eos = np.flatnonzero(ids == 1)
        end = eos[0] + 1 if eos.size else len(ids)
        np.testing.assert_allclose(decoded["scores"][row], chosen[row, :end].sum(), rtol=1e-5)
    # One sequence ends early; greedy, as t2t, goes on choosing after its EOS
    # until every sequence has one (or max_length), but its score stops there.
    assert (outputs[1] == 1).any() and not (outputs[0] == 1).any(), outputs


def test_beam_search_best_beam_scores_as_teacher_forcing_says():
    layer = _tiny(eos_bias=0.5)
    alpha = 0.6
    decoded = layer.decode(INPUTS, beam_size=4, alpha=alpha, max_length=8)
    outputs, scores = decoded["outputs"].numpy(), decoded["scores"].numpy()
    logits = layer(INPUTS, outputs).numpy()
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    chosen = np.take_along_axis(log_probs, outputs[..., None], -1)[..., 0]
    for row, ids in enumerate(outputs):
        eos = np.flatnonzero(ids == 1)
        assert eos.size, "this model's best beams finish"
        length = eos[0] + 1
        assert not ids[length:].any(), "a finished beam is padded with 0 after EOS"
        expected = chosen[row, :length].sum() / ((5.0 + length) / 6.0) ** alpha
        np.testing.assert_allclose(scores[row], expected, rtol=1e-5)
    greedy = layer.decode(INPUTS, beam_size=1, max_length=8)
    # Beam search finds at least as good a (length-penalised) sequence as greedy.
    for row, ids in enumerate(greedy["outputs"].numpy()):
        eos = np.flatnonzero(ids == 1)
        if eos.size:
            length = eos[0] + 1
            greedy_score = greedy["scores"][row] / ((5.0 + length) / 6.0) ** alpha
            assert scores[row] >= greedy_score - 1e-5


def test_decode_of_a_fresh_layer_creates_the_same_variables_as_call():
    layer = zoo.build("transformer", **TINY)
    layer.decode(INPUTS[:1], beam_size=2, max_length=3)
    other = zoo.build("transformer", **TINY)
    other(*other.example_inputs().values())
    assert sorted(tf1_name(w) for w in layer.weights) == \
        sorted(tf1_name(w) for w in other.weights)


def test_unshared_embeddings_and_layer_counts_make_t2t_names():
    layer = zoo.build("transformer", **dict(TINY, shared_embedding_and_softmax_weights=False,
                                            num_encoder_layers=1, num_decoder_layers=3,
                                            symbol_modality_num_shards=1))
    layer(*layer.example_inputs().values())
    names = {tf1_name(w) for w in layer.weights}
    assert {"transformer/symbol_modality_23_16/input_emb/weights_0",
            "transformer/symbol_modality_23_16/target_emb/weights_0",
            "transformer/symbol_modality_23_16/softmax/weights_0",
            "transformer/body/decoder/layer_2/ffn/conv2/bias"} <= names
    assert not any(n.startswith("transformer/body/encoder/layer_1/") for n in names)


@pytest.mark.parametrize("config, message", [
    (dict(TINY, hiden_size=3), "unknown hyperparameter(s) hiden_size"),
    ({k: v for k, v in TINY.items() if k != "vocab_size"}, "vocab_size is required"),
    (dict(TINY, num_heads=3), "not divisible by num_heads 3"),
    (dict(TINY, ffn_layer="conv_relu_conv"), "ffn_layer='conv_relu_conv' is not supported"),
    (dict(TINY, learning_rate=0.1), "the hparams lack"),
])
def test_bad_configs_fail_naming_the_key(config, message):
    with pytest.raises(ValueError, match=None) as error:
        zoo.build("transformer", **config)
    assert message in str(error.value)


def test_hparams_file_missing_an_architecture_key_is_refused():
    _, config = _fixture()
    del config["filter_size"]
    with pytest.raises(ValueError, match="the hparams lack filter_size"):
        zoo.build("transformer", **config)


def test_out_of_range_ids_and_bad_shapes_fail_clearly():
    layer = _tiny()
    with pytest.raises(tf.errors.InvalidArgumentError, match="inputs has an id >= vocab_size 23"):
        layer(np.array([[3, 23]], np.int32), np.array([[2, 1]], np.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="targets has a negative id"):
        tf.function(layer)(np.array([[3, 1]], np.int32), np.array([[-2, 1]], np.int32))
    with pytest.raises(ValueError, match=r"inputs must be \[batch, length\] ids"):
        layer(np.array([3, 1], np.int32), np.array([[2, 1]], np.int32))
    with pytest.raises(ValueError, match="beam_size must be a positive integer"):
        layer.decode(INPUTS, beam_size=0)


def test_a_vocab_size_that_does_not_match_the_checkpoint_loads_nothing():
    directory, config = _fixture()
    layer = zoo.build("transformer", **dict(config, vocab_size=8000))
    layer(*layer.example_inputs().values())
    before = [w.numpy() for w in layer.weights]
    with pytest.raises(CheckpointLoadError) as error:
        load_tf1_checkpoint(layer, str(directory / "model.ckpt-1"))
    text = " ".join(str(error.value).split())
    assert "symbol_modality_8000_16" in text
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(before, layer.weights))


def test_tf1track_load_takes_the_t2t_hparams_json_as_it_is(tmp_path):
    directory, _ = _fixture()
    command = [sys.executable, "-m", "checkpoints_tools.cli.load", "--model=transformer",
               f"--config={directory / 'hparams.json'}", '--config={"vocab_size": 8190}',
               f"--checkpoint={directory / 'model.ckpt-1'}", f"--output_dir={tmp_path / 'out'}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Loaded 81 variables" in result.stdout
    assert "164 optimizer state" in result.stdout and "1 training step" in result.stdout
    assert (tmp_path / "out" / "saved_model" / "saved_model.pb").exists()
    # Without the vocabulary size: one line naming it, exit 1.
    result = subprocess.run(command[:5] + command[6:-1] + [f"--output_dir={tmp_path / 'b'}"],
                            capture_output=True, text=True, timeout=600)
    errors = [l for l in result.stderr.splitlines() if l.startswith("tf1track-load: error:")]
    assert result.returncode == 1 and len(errors) == 1 and "vocab_size is required" in errors[0]
