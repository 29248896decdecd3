"""Records goldens of tensor2tensor's OWN Transformer (t2t 1.15.7), not the port.

t2t's `models/transformer.py` `Transformer(hparams, PREDICT, problem_hparams)`
runs unmodified, with its `T2TModel` machinery (modalities, data
parallelism, custom getters), in a TF1 graph and a `tf.compat.v1.Session`:
teacher-forced logits from `model(features)` and fast decoding from
`model.infer(...)` (greedy, and t2t's own `beam_search`), under reuse, as
t2t's own tests do. Every variable is set to seeded random values.

t2t 1.15 was written for TF 1.x; on TF 2.21 the recorder only provides what
the code path needs and never runs:

- `tf.compat.v1.disable_v2_behavior()`: TF 1.x behaviour. With TF2 behaviour
  on, t2t's `common_layers.layers()` picks Keras layers instead of
  `tf.layers`, whose variables then get name-scope-prefixed names
  (`transformer/parallel_0_4/transformer/...`), which t2t on TF 1.x never wrote.
- `tf.estimator` is gone from TF 2.16+: a stub with t2t's only use on this
  path, the `ModeKeys` constants.
- `tensorflow_addons` (imported by `utils/contrib.py` for optimizers only): an
  empty stub module.
- `tensor2tensor/models/__init__.py` (imports every model, some needing
  packages absent here): skipped by registering the `tensor2tensor.models`
  package without running it, then importing `models.transformer` itself.
- `tf_keras.legacy_tf_layers` aliased to `tf_keras.src.legacy_tf_layers`
  (TF_USE_LEGACY_KERAS=1 gives `tf.layers.dense` from tf-keras).

Needs, in a python 3.11 venv with tensorflow 2.21 and tf-keras 2.21
(/work/tf1ref here):

    pip install --no-deps tensor2tensor==1.15.7
    pip install tensorflow-probability==0.25.0 scipy six tf-slim==1.1.0
    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_transformer_goldens.py

Writes tests/goldens/transformer/<case>/ (DESIGN.md golden directories:
teacher-forced `logits` [batch, target_length, vocab], t2t's
[b, T, 1, 1, V] squeezed) plus, per case, `decode_greedy.npz` and
`decode_beam.npz` (`outputs`, `scores` of t2t's `infer`), `decode.json`
(`beam_size`, `alpha`, `max_length` = t2t's total `decode_length`, i.e. the
padded input length plus `extra_length`) and `gradients.npz`
(d sum(w * logits) / d variable for every variable, by TF1 name, and `w`).
"""

import json
import os
import pathlib
import sys
import types

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
v1.disable_v2_behavior()

import tf_keras.src.legacy_tf_layers  # noqa: E402

sys.modules.setdefault("tf_keras.legacy_tf_layers", tf_keras.src.legacy_tf_layers)


class _ModeKeys:
    """tf.estimator.ModeKeys (TF 1.15's values)."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_estimator = types.ModuleType("estimator")
_estimator.ModeKeys = _ModeKeys
v1.estimator = _estimator
tf.estimator = _estimator
sys.modules.setdefault("tensorflow_addons", types.ModuleType("tensorflow_addons"))

import tensor2tensor  # noqa: E402

_models = types.ModuleType("tensor2tensor.models")
_models.__path__ = [os.path.join(os.path.dirname(tensor2tensor.__file__), "models")]
sys.modules["tensor2tensor.models"] = _models
from tensor2tensor.data_generators import problem_hparams as t2t_problem_hparams  # noqa: E402
from tensor2tensor.models import transformer as t2t_transformer  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from checkpoints_tools.goldens import record_tf1_golden  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "transformer"
T2T_VERSION = "1.15.7"

# The t2t hyperparameters that shape the Transformer (all t2t names); the
# golden's config holds their values as t2t's HParams has them.
ARCHITECTURE_KEYS = (
    "hidden_size", "filter_size", "num_heads", "num_hidden_layers", "num_encoder_layers",
    "num_decoder_layers", "attention_key_channels", "attention_value_channels",
    "layer_preprocess_sequence", "layer_postprocess_sequence", "layer_prepostprocess_dropout",
    "attention_dropout", "relu_dropout", "symbol_dropout", "norm_type", "norm_epsilon", "pos",
    "multiply_embedding_mode", "shared_embedding_and_softmax_weights", "shared_embedding",
    "symbol_modality_num_shards", "ffn_layer", "self_attention_type", "max_relative_position",
    "proximity_bias", "use_pad_remover", "use_target_space_embedding",
    "causal_decoder_self_attention", "unidirectional_encoder", "attention_variables_3d",
    "initializer", "initializer_gain", "label_smoothing",
)

CASES = {
    # Like shared/fixtures/tf1_real/t2t_transformer_test_ckpt/hparams.json:
    # transformer_tiny shrunk (hidden 16, 2 heads, 2 layers), pre-norm
    # "n"/"da", shared embedding and softmax, 16 shards (uneven: 37 = 5 * 3 +
    # 11 * 2 rows); filter 32 where the fixture has 8 (with 8, every random
    # draw tried decoded one repeated id).
    "tiny_base": dict(
        base="transformer_tiny", vocab_size=37, target_space_id=4,
        hparams=dict(hidden_size=16, filter_size=32, num_heads=2, num_hidden_layers=2,
                     symbol_modality_num_shards=16),
        batch=3, input_length=7, input_lengths=[7, 5, 3], target_length=6,
        target_lengths=[6, 4, 5], seed=11, extra_length=4,
        # Greedy runs to max_length; beams end with EOS at step 9, at once,
        # and not at all.
        embedding_std=0.5, softmax_std=1.0, sublayer_gain=4.0, eos_boost=1.6),
    # Post-norm ("none"/"dan"), separate input/target embeddings and softmax,
    # 1 shard, 1 encoder and 2 decoder layers (num_hidden_layers 3 unused),
    # key/value channels != hidden_size, 3 heads, another epsilon.
    "post_norm_unshared": dict(
        base="transformer_base", vocab_size=23, target_space_id=9,
        hparams=dict(hidden_size=24, filter_size=20, num_heads=3, num_hidden_layers=3,
                     num_encoder_layers=1, num_decoder_layers=2, attention_key_channels=12,
                     attention_value_channels=18, shared_embedding_and_softmax_weights=False,
                     symbol_modality_num_shards=1, layer_preprocess_sequence="none",
                     layer_postprocess_sequence="dan", norm_epsilon=1e-5),
        batch=2, input_length=6, input_lengths=[6, 4], target_length=5, target_lengths=[3, 5],
        seed=12, extra_length=3,
        # Greedy: one row hits EOS at step 4 and goes on (as t2t does), the
        # other never; beams: one ends with EOS, the other differs from greedy.
        embedding_std=0.25, softmax_std=1.0, sublayer_gain=1.0, eos_boost=1.7),
}
BEAM_SIZE = 3
ALPHA = 0.6


def make_hparams(case):
    hparams = getattr(t2t_transformer, case["base"])()
    for key, value in case["hparams"].items():
        hparams.set_hparam(key, value)
    # PREDICT mode scores only the last position unless this is set (T2TModel._top_single).
    hparams.force_full_predict = True
    problem = t2t_problem_hparams.test_problem_hparams(case["vocab_size"], case["vocab_size"],
                                                       hparams)
    hparams.problem_hparams = problem
    config = {key: hparams.get(key) for key in ARCHITECTURE_KEYS}
    config.update(vocab_size=case["vocab_size"], target_space_id=case["target_space_id"])
    return hparams, problem, config


def make_ids(rng, vocab_size, batch, length, lengths):
    """Ids 2..V-1, EOS (1) at each row's last real position, then 0 padding."""
    ids = rng.integers(2, vocab_size, [batch, length]).astype(np.int32)
    for row, real in enumerate(lengths):
        ids[row, real - 1] = 1
        ids[row, real:] = 0
    return ids


def _features(case, inputs, targets=None):
    features = {"inputs": inputs[:, :, None, None],
                "target_space_id": tf.constant(case["target_space_id"], tf.int32)}
    if targets is not None:
        features["targets"] = targets[:, :, None, None]
    return features


def _rescale(session, case, config):
    """Plausible magnitudes for the seeded N(0, 1) values, and a pull toward EOS.

    Dense kernels are divided by sqrt(fan_in) (unit-scale activations, as
    t2t's own init), those writing into the residual stream
    (`output_transform`, `conv2`) then multiplied by `sublayer_gain`; norm
    scales become 1 + 0.3 N(0, 1) and biases 0.3 N(0, 1); embedding tables
    are multiplied by `embedding_std`, an unshared softmax by `softmax_std`.
    The bias of the decoder's last norm (the final one for pre-norm, the last
    sublayer's for post-norm) gets `eos_boost` times the unit direction of
    EOS's softmax row, so that some decodes end early.
    """
    variables = {v.op.name: v for v in v1.global_variables()}
    modality = f"transformer/symbol_modality_{case['vocab_size']}_{config['hidden_size']}/"
    for name, variable in variables.items():
        value = session.run(variable)
        if name.endswith("/kernel") and "target_space_embedding" not in name:
            value = value / np.sqrt(value.shape[0])
            if name.endswith(("/output_transform/kernel", "/conv2/kernel")):
                value = value * case["sublayer_gain"]
        elif name.endswith("layer_norm_scale"):
            value = 1.0 + 0.3 * value
        elif name.endswith("_bias") or name.endswith("/bias"):
            value = 0.3 * value
        elif name.startswith(modality + "softmax/"):
            value = value * case["softmax_std"]
        elif name.startswith(modality):
            value = value * case["embedding_std"]
        else:
            continue
        variable.load(value, session)
    part = "shared" if config["shared_embedding_and_softmax_weights"] else "softmax"
    eos_row = session.run(variables[modality + part + "/weights_0"])[1]
    final = "transformer/body/decoder/layer_prepostprocess/layer_norm/layer_norm_bias"
    if final not in variables:
        last_layer = (config["num_decoder_layers"] or config["num_hidden_layers"]) - 1
        final = sorted(n for n in variables if n.startswith(
            f"transformer/body/decoder/layer_{last_layer}/ffn/") and n.endswith("_bias"))[-1]
    bias = variables[final]
    bias.load(session.run(bias) + case["eos_boost"] * eos_row / np.linalg.norm(eos_row), session)


def _margins(logits, ids):
    """Per row, the smallest gap between the chosen and the runner-up logit.

    Also checks that t2t's fast greedy ids are the argmax of t2t's
    teacher-forced logits on those ids (incremental == full decoding).
    """
    if not np.array_equal(logits.argmax(-1), ids):
        raise AssertionError("t2t's fast greedy decode disagrees with its teacher-forced logits")
    top2 = np.sort(logits, axis=-1)[..., -2:]
    return (top2[..., 1] - top2[..., 0]).min(axis=1)


def record_case(name, case):
    hparams, problem, config = make_hparams(case)
    rng = np.random.default_rng(case["seed"])
    inputs = {
        "inputs": make_ids(rng, case["vocab_size"], case["batch"], case["input_length"],
                           case["input_lengths"]),
        "targets": make_ids(rng, case["vocab_size"], case["batch"], case["target_length"],
                            case["target_lengths"]),
    }
    w = rng.normal(size=[case["batch"], case["target_length"], case["vocab_size"]]).astype(
        np.float32)
    extras = {}

    def build(inputs, targets):
        model = t2t_transformer.Transformer(hparams, _ModeKeys.PREDICT, problem)
        logits, _ = model(_features(case, inputs, targets))
        logits = tf.squeeze(logits, [2, 3])
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            greedy = model.infer(_features(case, inputs), decode_length=case["extra_length"],
                                 beam_size=1)
            beam = model.infer(_features(case, inputs), decode_length=case["extra_length"],
                               beam_size=BEAM_SIZE, top_beams=1, alpha=ALPHA)
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            # A check only: teacher-forced logits on the greedy ids.
            forced_targets = v1.placeholder(tf.int32, [case["batch"], None])
            forced, _ = model(_features(case, inputs, forced_targets))
        variables = v1.global_variables()
        gradients = tf.gradients(tf.reduce_sum(tf.constant(w) * logits), variables)
        extras.update(
            feed=(inputs, targets), forced=(forced_targets, tf.squeeze(forced, [2, 3])),
            greedy={k: greedy[k] for k in ("outputs", "scores")},
            beam={k: beam[k] for k in ("outputs", "scores")},
            gradients={v.op.name: tf.convert_to_tensor(g) for v, g in zip(variables, gradients)})
        return logits

    def initialize(session):
        _rescale(session, case, config)
        feed = dict(zip(extras["feed"], (inputs["inputs"], inputs["targets"])))
        extras["values"] = session.run(
            {k: extras[k] for k in ("greedy", "beam", "gradients")}, feed_dict=feed)
        greedy_ids = extras["values"]["greedy"]["outputs"]
        feed[extras["forced"][0]] = greedy_ids
        extras["greedy_margins"] = _margins(session.run(extras["forced"][1], feed), greedy_ids)

    directory = OUT_DIR / name
    record_tf1_golden(
        directory, build, inputs, model="transformer", config=config, call={},
        # atol: 1e-5 of the logits' largest magnitude (the port's float32
        # error here is ~5e-7 of it, eager or traced).
        atol=1e-5, rtol=1e-5, atol_from_scale=1e-5, randomize_seed=case["seed"],
        initialize=initialize,
        source=(f"tensor2tensor {T2T_VERSION} models/transformer.py Transformer(hparams, "
                "PREDICT, problem_hparams) in TF1 graph mode (tf.compat.v1, v2 behaviour "
                f"disabled), hparams {case['base']}() overridden; logits from model(features) "
                "squeezed; decodes from model.infer (tests/goldens/record_transformer_goldens.py)"))
    values = extras["values"]
    np.savez(directory / "decode_greedy.npz", **values["greedy"])
    np.savez(directory / "decode_beam.npz", **values["beam"])
    np.savez_compressed(directory / "gradients.npz", w=w, **values["gradients"])
    decode = {"beam_size": BEAM_SIZE, "alpha": ALPHA, "extra_length": case["extra_length"],
              "max_length": case["input_length"] + case["extra_length"]}
    (directory / "decode.json").write_text(json.dumps(decode, indent=1, sort_keys=True) + "\n")
    print(name, "greedy", values["greedy"], "greedy margins", extras["greedy_margins"], "beam",
          values["beam"], sep="\n")


def main():
    for name, case in CASES.items():
        record_case(name, case)
    print("wrote", OUT_DIR)


if __name__ == "__main__":
    main()
