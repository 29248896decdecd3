"""The google-research/bert port, `zoo.build("bert")`, against bert-tensorflow's own code.

Every golden under tests/goldens/bert/ was recorded from bert-tensorflow
1.0.4's `modeling.py`, run_pretraining.py's and run_classifier.py's heads in a
TF1 graph (tests/goldens/record_bert_goldens.py), and tests/goldens/bert_upstream
from `BertModel` alone. Here the port creates the same variables in the same
order, loads each checkpoint strictly, matches every output (and the
gradients) eagerly and in `tf.function`, passes `check_parity` and
`tf1track-parity`, takes a `bert_config.json` as it is in `tf1track-load`,
and refuses bad configs, inputs and checkpoints with one clear error.
"""

import io
import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

import zoo
from checkpoints_tools import CheckpointLoadError, check_parity, load_tf1_checkpoint, read_golden
from checkpoints_tools.cli.common import parse_json_flag
from checkpoints_tools.cli.load import load_and_convert
from checkpoints_tools.cli.parity import check_golden
from checkpoints_tools.converter import run_saved_model
from tf1track_core import tf1_name, tf1_variables
from zoo.bert.config import BertConfig

GOLDENS = pathlib.Path(__file__).parent / "goldens"
BERT_GOLDENS = sorted(path.name for path in (GOLDENS / "bert").iterdir() if path.is_dir())
GRADIENT = "gradient:"


def _golden(name):
    return read_golden(GOLDENS / "bert" / name)


def _built(golden, call):
    """The port for `golden`, variables created by `call`, checkpoint loaded strictly."""
    layer = zoo.build("bert", **golden.meta["config"])
    call(layer)
    report = load_tf1_checkpoint(layer, golden.checkpoint, strict=True)
    return layer, report


def _assert_matches(golden, name, actual):
    atol = golden.meta.get("output_atol", {}).get(name, golden.meta["atol"])
    np.testing.assert_allclose(np.asarray(actual), golden.outputs[name], atol=atol,
                               rtol=golden.meta["rtol"], err_msg=f"{golden.directory.name}: {name}")


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("case", BERT_GOLDENS)
def test_port_matches_bert_tensorflow_golden(case, use_function):
    golden = _golden(case)
    args, kwargs = golden.call_args(), dict(golden.meta["call"])
    layer = zoo.build("bert", **golden.meta["config"])
    call = tf.function(layer) if use_function else layer
    call(*args, **kwargs)
    # Same variables as the TF1 graph, created in the same order.
    assert list(tf1_variables(layer)) == golden.meta["variables"]
    report = load_tf1_checkpoint(layer, golden.checkpoint, strict=True)
    assert len(report.loaded) == len(layer.weights)
    outputs = call(*args, **kwargs)
    expected = [name for name in golden.outputs if not name.startswith(GRADIENT)]
    for name in expected:
        _assert_matches(golden, name, outputs[name])
    gradients = {name[len(GRADIENT):] for name in golden.outputs if name.startswith(GRADIENT)}
    if gradients:
        variables = tf1_variables(layer)
        weights = tf.constant(golden.inputs["sequence_output_weights"])

        def gradient_fn():
            with tf.GradientTape() as tape:
                objective = tf.reduce_sum(weights * layer(*args)["sequence_output"])
            return tape.gradient(objective, list(variables.values()))

        grads = (tf.function(gradient_fn) if use_function else gradient_fn)()
        reached = {name for name, grad in zip(variables, grads) if grad is not None}
        assert reached == gradients  # the pooler does not reach sequence_output
        for name, grad in zip(variables, grads):
            if grad is not None:
                _assert_matches(golden, GRADIENT + name, tf.convert_to_tensor(grad))


def test_check_parity_and_the_parity_binary_pass_on_a_golden():
    golden_dir = GOLDENS / "bert" / "pretraining"
    meta = read_golden(golden_dir).meta
    report = check_parity(zoo.build("bert", **meta["config"]), golden_dir)
    assert report.passed, report.table()
    assert {row.name for row in report.rows} >= {"masked_lm_log_probs", "next_sentence_logits"}
    out = io.StringIO()
    assert check_golden(golden=str(golden_dir), out=out).passed
    assert "all outputs match" in out.getvalue()


def test_bert_upstream_golden_passes_check_parity():
    # That golden also holds `layer_0_output`, an end point: its meta asks
    # the port for end points (`return_end_points`).
    golden_dir = GOLDENS / "bert_upstream"
    meta = json.loads((golden_dir / "meta.json").read_text())
    assert meta["call"] == {"return_end_points": True}
    report = check_parity(zoo.build("bert", **meta["config"]), golden_dir)
    assert report.passed, report.table()
    assert [row.name for row in report.rows] == ["layer_0_output", "pooled_output",
                                                 "sequence_output"]


def test_fine_tuned_checkpoint_loads_with_optimizer_slots_reported():
    golden = _golden("classifier_finetuned")
    layer, report = _built(golden, lambda layer: layer(*golden.call_args()))
    skipped = dict(report.skipped)
    assert skipped["global_step"] == "training step"
    assert skipped["output_weights/adam_m"] == skipped["output_weights/adam_v"] == \
        "optimizer state"
    assert sum(why == "optimizer state" for why in skipped.values()) == 2 * len(layer.weights)
    assert "50 optimizer state, 1 training step" in report.summary()
    pretraining = _golden("pretraining")
    _, report = _built(pretraining, lambda layer: layer(*pretraining.call_args()))
    assert report.skipped == [("global_step", "training step")]


def test_variable_names_are_bert_checkpoint_names():
    layer = zoo.build("bert", vocab_size=11, hidden_size=8, num_hidden_layers=2,
                      num_attention_heads=2, intermediate_size=12, heads=["pretraining"],
                      num_labels=3)
    layer(*layer.example_inputs(2).values())
    names = [tf1_name(w) for w in layer.weights]
    for name in ("bert/embeddings/word_embeddings", "bert/embeddings/LayerNorm/gamma",
                 "bert/encoder/layer_0/attention/self/query/kernel",
                 "bert/encoder/layer_1/attention/output/dense/kernel",
                 "bert/encoder/layer_1/intermediate/dense/kernel",
                 "bert/encoder/layer_1/output/LayerNorm/beta", "bert/pooler/dense/kernel",
                 "cls/predictions/transform/dense/kernel",
                 "cls/predictions/transform/LayerNorm/gamma", "cls/predictions/output_bias",
                 "cls/seq_relationship/output_weights", "cls/seq_relationship/output_bias",
                 "output_weights", "output_bias"):
        assert name in names, name
    # The masked-LM softmax is tied to the word embeddings.
    assert not any(name.startswith("cls/predictions/output_weights") for name in names)
    assert len(names) == 5 + 2 * 16 + 2 + 5 + 2 + 2
    assert tf1_variables(layer)["output_weights"].shape == (3, 8)


def test_masked_lm_without_positions_predicts_every_position_and_dropout_only_trains():
    layer = zoo.build("bert", vocab_size=13, hidden_size=8, num_hidden_layers=1,
                      num_attention_heads=2, intermediate_size=12, heads="masked_lm",
                      hidden_dropout_prob=0.5)
    inputs = layer.example_inputs(2, seq_length=5)
    every = layer(*inputs.values())["masked_lm_logits"]
    assert every.shape == (2, 5, 13)
    chosen = layer(*inputs.values(), masked_lm_positions=[[4, 0], [2, 2]])["masked_lm_logits"]
    np.testing.assert_allclose(chosen[0, 0], every[0, 4], atol=1e-6)
    np.testing.assert_allclose(chosen[1, 1], every[1, 2], atol=1e-6)
    assert "next_sentence_logits" not in layer(*inputs.values())
    inference = layer(*inputs.values())["sequence_output"]
    np.testing.assert_array_equal(layer(*inputs.values(), training=False)["sequence_output"],
                                  inference)
    assert not np.allclose(layer(*inputs.values(), training=True)["sequence_output"], inference)


@pytest.fixture(scope="module")
def tiny():
    layer = zoo.build("bert", vocab_size=10, hidden_size=8, num_hidden_layers=1,
                      num_attention_heads=2, intermediate_size=8, max_position_embeddings=6,
                      type_vocab_size=2)
    layer(*layer.example_inputs().values())
    return layer


IDS = np.array([[1, 2, 3, 0], [4, 5, 0, 0]], np.int32)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(input_ids=IDS + 6), tf.errors.InvalidArgumentError,
     "input_ids has a value >= vocab_size"),
    (dict(input_ids=IDS - 1), tf.errors.InvalidArgumentError, "input_ids has a negative value"),
    (dict(input_ids=IDS, token_type_ids=IDS), tf.errors.InvalidArgumentError,
     "token_type_ids has a value >= type_vocab_size"),
    (dict(input_ids=IDS, input_mask=np.ones([2, 3], np.int32)), ValueError, "input_mask"),
    (dict(input_ids=IDS, token_type_ids=np.zeros([2, 4, 1], np.int32)), ValueError,
     "token_type_ids"),
    (dict(input_ids=np.ones([1, 7], np.int32)), ValueError, "exceeds max_position_embeddings 6"),
    (dict(input_ids=IDS.astype(np.float32)), TypeError, "input_ids must be integer ids"),
    (dict(input_ids=IDS[0]), ValueError, r"input_ids must be \[batch_size, seq_length\]"),
    (dict(input_ids=IDS, labels=[0, 1]), ValueError, "build the model with num_labels"),
    (dict(input_ids=IDS, masked_lm_positions=[[0], [1]]), ValueError, "masked_lm head"),
])
def test_bad_inputs_fail_naming_the_argument(tiny, kwargs, error, message):
    kwargs = dict(kwargs)
    with pytest.raises(error, match=message):
        tiny(kwargs.pop("input_ids"), **kwargs)


def test_bad_inputs_fail_inside_tf_function_with_unknown_shapes(tiny):
    spec = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[spec, spec, spec])
    def serve(ids, mask, types):
        return tiny(ids, mask, types)["pooled_output"]

    ones = np.ones_like(IDS)
    assert serve(IDS, ones, ones * 0).shape == (2, 8)
    for args, message in [((IDS + 6, ones, ones), "input_ids has a value >= vocab_size"),
                          ((IDS, ones[:, :3], ones), "input_mask must have the shape of input_ids"),
                          ((IDS, ones, ones[:1]),
                           "token_type_ids must have the shape of input_ids"),
                          ((np.ones([1, 7], np.int32),) * 3,
                           "sequence length exceeds max_position_embeddings")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            serve(*args)


@pytest.mark.parametrize("config, message", [
    (dict(vocab_size=10, hidden_sizes=8), "unknown config key.*hidden_sizes"),
    (dict(hidden_size=8), "vocab_size is required"),
    (dict(vocab_size=10, hidden_size=10, num_attention_heads=3),
     "hidden_size 10 is not a multiple of num_attention_heads 3"),
    (dict(vocab_size=10, hidden_act="swish"), "hidden_act 'swish'"),
    (dict(vocab_size=10, num_hidden_layers=0), "num_hidden_layers must be a positive integer"),
    (dict(vocab_size=10, hidden_size=True), "hidden_size must be a positive integer"),
    (dict(vocab_size=10, hidden_dropout_prob=1.5),
     r"hidden_dropout_prob must be a number in \[0, 1\)"),
    (dict(vocab_size=10, initializer_range=0), "initializer_range must be a positive number"),
    (dict(vocab_size=10, heads=["mlm"]), "heads has unknown name.*'mlm'"),
    (dict(vocab_size=10, num_labels=0), "num_labels must be a positive integer"),
    (dict(vocab_size=10, scope="a/b"), "scope must be"),
    (dict(vocab_size=10, pooler_type="mean"), "pooler_type 'mean'"),
])
def test_bad_configs_fail_naming_the_key(config, message):
    with pytest.raises(ValueError, match=message):
        zoo.build("bert", **config)


def test_bert_config_json_is_taken_as_is_by_tf1track_load(tmp_path):
    golden = _golden("defaults_tanh")
    config = dict(golden.meta["config"])
    # As Google's multilingual release writes it: every field, plus keys modeling.py ignores.
    full = dict(BertConfig(**config).to_dict(), directionality="bidi",
                pooler_fc_size=8, pooler_num_attention_heads=2, pooler_num_fc_layers=3,
                pooler_size_per_head=4, pooler_type="first_token_transform")
    config_file = tmp_path / "bert_config.json"
    config_file.write_text(json.dumps(full, indent=2))
    report = load_and_convert(model="bert", config=parse_json_flag("config", str(config_file)),
                              checkpoint=golden.checkpoint, output_dir=tmp_path / "out",
                              out=io.StringIO())
    assert report.ok and len(report.loaded) == 23
    served = run_saved_model(tmp_path / "out" / "saved_model",
                             {"input_ids": golden.inputs["input_ids"],
                              "input_mask": np.ones_like(golden.inputs["input_ids"]),
                              "token_type_ids": np.zeros_like(golden.inputs["input_ids"])})
    for name in ("sequence_output", "pooled_output"):
        _assert_matches(golden, name, served[name])
    config_file.write_text(json.dumps(dict(full, hidden_dim=8)))
    with pytest.raises(ValueError, match="hidden_dim"):
        load_and_convert(model="bert", config=parse_json_flag("config", str(config_file)),
                         checkpoint=golden.checkpoint, output_dir=tmp_path / "bad")


def test_a_checkpoint_with_another_vocab_size_loads_nothing():
    golden = _golden("pretraining")
    layer = zoo.build("bert", **dict(golden.meta["config"], vocab_size=30))
    layer(*golden.call_args())
    before = {tf1_name(w): w.numpy() for w in layer.weights}
    with pytest.raises(CheckpointLoadError) as raised:
        load_tf1_checkpoint(layer, golden.checkpoint, strict=True)
    message = str(raised.value)
    assert "bert/embeddings/word_embeddings: model (30, 16)" in message
    assert "(29, 16)" in message and "cls/predictions/output_bias: model (30,)" in message
    for weight in layer.weights:
        np.testing.assert_array_equal(weight.numpy(), before[tf1_name(weight)])


def test_one_hot_embeddings_give_the_same_outputs():
    golden_dir = GOLDENS / "bert" / "base_relu_end_points"
    config = read_golden(golden_dir).meta["config"]
    report = check_parity(zoo.build("bert", **config, use_one_hot_embeddings=True), golden_dir)
    assert report.passed, report.table()
