"""Records the goldens of `zoo.build("bert")` from google-research/bert's own code.

Not the port: bert-tensorflow 1.0.4's `modeling.BertModel`,
`run_pretraining.get_masked_lm_output` / `get_next_sentence_output`,
`run_classifier.create_model` and `optimization.create_optimizer`, unmodified,
in TF1 graph mode in a `tf.compat.v1.Session`, with TF1 shape semantics
(`disable_v2_tensorshape`, which run_classifier.py's `.value` needs), its
`tf.layers.dense` from tf-keras's legacy layers (TF_USE_LEGACY_KERAS=1) and
its `tf.contrib.layers.layer_norm` from TF-Slim 1.1.0 (TF 1.15's contrib
layers code). Tiny configs, every variable set to seeded random values.
Needs tensorflow 2.21, tf-keras 2.21, tf-slim 1.1.0 and bert-tensorflow 1.0.4:

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_bert_goldens.py

Writes tests/goldens/bert/<case>/ (DESIGN.md golden directories):

* `base_relu_end_points`: 3 heads of size 6, relu, 3 token types, padding,
  max_position_embeddings 16 > seq 8; the end points too.
* `defaults_tanh`: input_ids only (default mask and token types), tanh,
  the sequence exactly max_position_embeddings long.
* `pretraining`: run_pretraining.py's heads at given masked positions, with
  labels, weights and losses, and a `global_step` (as `bert_model.ckpt`).
  Upstream's flat `[batch * predictions, ...]` outputs are reshaped to
  `[batch, predictions, ...]`, the port's layout.
* `classifier_finetuned`: run_classifier.py's head and loss after one
  `create_optimizer` step (AdamWeightDecayOptimizer's `adam_m`/`adam_v`
  slots and `global_step` in the checkpoint, as a fine-tuned checkpoint).
* `gradients`: `d sum(w * sequence_output) / d variable` for every
  variable it reaches (outputs `gradient:<variable>`), `w` stored in
  inputs.npz as `sequence_output_weights` (not a call input). Backpropagation
  sums many float32 terms in another order than the port's, so each output's
  atol is 1e-5 of its largest magnitude (`output_atol`), rtol 1e-5.

meta.json also lists `variables`: the TF1 graph's variables in creation order.
"""

import json
import os
import pathlib
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upstream_tf1_env  # noqa: E402,F401  (TF1 layers, tf-slim, tensorflow.contrib)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from bert import modeling, optimization  # noqa: E402
from bert import run_classifier  # noqa: E402

# run_classifier.py and run_pretraining.py define the same absl flags at
# import: drop the first script's before importing the second.
_FLAGS = tf.compat.v1.flags.FLAGS
for _flag in list(_FLAGS.flags_by_module_dict().get(run_classifier.__name__, [])):
    delattr(_FLAGS, _flag.name)
from bert import run_pretraining  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from checkpoints_tools.goldens import record_tf1_golden  # noqa: E402

v1 = tf.compat.v1
OUT_DIR = pathlib.Path(__file__).resolve().parent / "bert"
SOURCE = "bert-tensorflow 1.0.4 {} in TF1 graph mode (tests/goldens/record_bert_goldens.py)"
BATCH, LENGTH = 2, 8

BASE = dict(vocab_size=37, hidden_size=18, num_hidden_layers=2, num_attention_heads=3,
            intermediate_size=20, hidden_act="relu", hidden_dropout_prob=0.1,
            attention_probs_dropout_prob=0.1, max_position_embeddings=16, type_vocab_size=3,
            initializer_range=0.02)
DEFAULTS = dict(vocab_size=19, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=12, hidden_act="tanh", max_position_embeddings=LENGTH)
PRETRAINING = dict(vocab_size=29, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                   intermediate_size=32, hidden_act="gelu", max_position_embeddings=10,
                   type_vocab_size=2)
CLASSIFIER = dict(vocab_size=23, hidden_size=16, num_hidden_layers=1, num_attention_heads=4,
                  intermediate_size=24, hidden_act="gelu", max_position_embeddings=12,
                  type_vocab_size=2)
# Upstream's own initial values (truncated normal 0.02, no randomisation):
# the starting checkpoint of the BERT fine-tuning smoke run.
INITIALIZED = dict(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                   intermediate_size=24, hidden_act="gelu", max_position_embeddings=12,
                   type_vocab_size=2)
GRADIENTS = dict(vocab_size=23, hidden_size=12, num_hidden_layers=2, num_attention_heads=3,
                 intermediate_size=16, hidden_act="gelu", max_position_embeddings=8,
                 type_vocab_size=2)

# The variables of the graph last built, in creation order (for meta.json).
_created = []


def _bert(config, input_ids, input_mask=None, token_type_ids=None):
    model = modeling.BertModel(config=modeling.BertConfig(**config), is_training=False,
                               input_ids=input_ids, input_mask=input_mask,
                               token_type_ids=token_type_ids)
    return model, {"sequence_output": model.get_sequence_output(),
                   "pooled_output": model.get_pooled_output()}


def _note_variables():
    _created[:] = [variable.op.name for variable in v1.global_variables()]


def build_base(input_ids, input_mask, token_type_ids):
    model, outputs = _bert(BASE, input_ids, input_mask, token_type_ids)
    outputs["word_embedding_output"] = model.get_word_embedding_output()
    outputs["embedding_output"] = model.get_embedding_output()
    for i, layer in enumerate(model.get_all_encoder_layers()):
        outputs[f"layer_{i}_output"] = layer
    _note_variables()
    return outputs


def build_defaults(input_ids):
    _, outputs = _bert(DEFAULTS, input_ids)
    _note_variables()
    return outputs


MASKED = {"masked_lm_positions": [[1, 4, 6], [0, 2, 3]], "masked_lm_ids": [[5, 28, 0], [7, 3, 3]],
          "masked_lm_weights": [[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]], "next_sentence_labels": [0, 1]}


def build_pretraining(input_ids, input_mask, token_type_ids):
    model, outputs = _bert(PRETRAINING, input_ids, input_mask, token_type_ids)
    bert_config = modeling.BertConfig(**PRETRAINING)
    masked = {name: tf.constant(value) for name, value in MASKED.items()}
    # As run_pretraining.py's model_fn wires them.
    masked_lm_loss, masked_lm_example_loss, masked_lm_log_probs = \
        run_pretraining.get_masked_lm_output(
            bert_config, model.get_sequence_output(), model.get_embedding_table(),
            masked["masked_lm_positions"], masked["masked_lm_ids"], masked["masked_lm_weights"])
    next_sentence_loss, next_sentence_example_loss, next_sentence_log_probs = \
        run_pretraining.get_next_sentence_output(bert_config, model.get_pooled_output(),
                                                 masked["next_sentence_labels"])
    graph = v1.get_default_graph()
    predictions = np.shape(MASKED["masked_lm_positions"])
    outputs.update(
        # The logits are upstream's own tensors inside its heads.
        masked_lm_logits=tf.reshape(graph.get_tensor_by_name("cls/predictions/BiasAdd:0"),
                                    [*predictions, -1]),
        masked_lm_log_probs=tf.reshape(masked_lm_log_probs, [*predictions, -1]),
        masked_lm_example_loss=tf.reshape(masked_lm_example_loss, predictions),
        masked_lm_loss=masked_lm_loss,
        next_sentence_logits=graph.get_tensor_by_name("cls/seq_relationship/BiasAdd:0"),
        next_sentence_log_probs=next_sentence_log_probs,
        next_sentence_example_loss=next_sentence_example_loss,
        next_sentence_loss=next_sentence_loss)
    _note_variables()
    v1.train.get_or_create_global_step()  # a pre-training checkpoint holds it (not a weight)
    return outputs


LABELS = [2, 0]
_train_op = []


def build_classifier(input_ids, input_mask, token_type_ids):
    loss, per_example_loss, logits, probabilities = run_classifier.create_model(
        modeling.BertConfig(**CLASSIFIER), False, input_ids, input_mask, token_type_ids,
        tf.constant(LABELS), 3, False)
    _note_variables()  # before the optimizer's slots
    # No warm-up: the first step's learning rate is the initial one.
    _train_op[:] = [optimization.create_optimizer(loss, 1e-2, 10, 0, False)]
    graph = v1.get_default_graph()
    return {"sequence_output": graph.get_tensor_by_name("bert/encoder/layer_0/output/"
                                                        "LayerNorm/batchnorm/add_1:0"),
            "pooled_output": graph.get_tensor_by_name("bert/pooler/dense/Tanh:0"),
            "logits": logits, "probabilities": probabilities, "loss": loss,
            "per_example_loss": per_example_loss}


def train_one_step(session, inputs):
    """Adam's slots start at zero (randomized values would be no optimizer state), then a step."""
    for variable in v1.global_variables():
        if variable.op.name.endswith(("/adam_m", "/adam_v")):
            variable.load(np.zeros(variable.shape.as_list(), np.float32), session)
    graph = session.graph
    session.run(_train_op[0], feed_dict={graph.get_tensor_by_name(name + ":0"): value
                                         for name, value in inputs.items()})


def build_gradients(input_ids, input_mask, token_type_ids, sequence_output_weights):
    _, outputs = _bert(GRADIENTS, input_ids, input_mask, token_type_ids)
    _note_variables()
    objective = tf.reduce_sum(sequence_output_weights * outputs["sequence_output"])
    variables = v1.trainable_variables()
    for variable, gradient in zip(variables, v1.gradients(objective, variables)):
        if gradient is not None:  # the pooler does not reach sequence_output
            outputs["gradient:" + variable.op.name] = tf.convert_to_tensor(gradient)
    return outputs


def build_initialized(input_ids, input_mask, token_type_ids):
    v1.set_random_seed(0)  # upstream's initializers, reproducibly
    _, outputs = _bert(INITIALIZED, input_ids, input_mask, token_type_ids)
    _note_variables()
    return outputs


def _inputs(rng, config, mask_from=5):
    input_mask = np.ones([BATCH, LENGTH], np.int32)
    input_mask[1, mask_from:] = 0
    types = (np.arange(LENGTH)[None, :] * config.get("type_vocab_size", 16) // LENGTH)
    return {"input_ids": rng.integers(0, config["vocab_size"], [BATCH, LENGTH]).astype(np.int32),
            "input_mask": input_mask,
            "token_type_ids": types.repeat(BATCH, 0).astype(np.int32)}


def _record(name, build_fn, inputs, *, config, call=None, what="modeling.BertModel", seed=1,
            call_inputs=None, extra_meta=None, **kwargs):
    directory = record_tf1_golden(OUT_DIR / name, build_fn, inputs, model="bert", config=config,
                                  call=call, source=SOURCE.format(what), randomize_seed=seed,
                                  **kwargs)
    meta = json.loads((directory / "meta.json").read_text())
    meta["variables"] = list(_created)
    if call_inputs is not None:
        meta["inputs"] = call_inputs
    meta.update(extra_meta or {})
    (directory / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    print("wrote", directory)


def main():
    tf.compat.v1.disable_v2_tensorshape()  # TF1 programs' shapes (`.value` in run_classifier)
    rng = np.random.default_rng(0)
    _record("base_relu_end_points", build_base, _inputs(rng, BASE), config=BASE,
            call={"return_end_points": True}, seed=1)
    ids = rng.integers(0, DEFAULTS["vocab_size"], [BATCH, LENGTH]).astype(np.int32)
    _record("defaults_tanh", build_defaults, {"input_ids": ids}, config=DEFAULTS, seed=2)
    _record("pretraining", build_pretraining, _inputs(rng, PRETRAINING, mask_from=6),
            config=dict(PRETRAINING, heads=["pretraining"]), call=MASKED, seed=3,
            what="modeling.BertModel + run_pretraining.get_masked_lm_output / "
                 "get_next_sentence_output")
    inputs = _inputs(rng, CLASSIFIER, mask_from=4)
    _record("classifier_finetuned", build_classifier, inputs,
            config=dict(CLASSIFIER, num_labels=3), call={"labels": LABELS}, seed=4,
            initialize=lambda session: train_one_step(session, inputs),
            what="run_classifier.create_model after one optimization.create_optimizer step")
    inputs = _inputs(rng, GRADIENTS)
    inputs["sequence_output_weights"] = rng.normal(
        size=[BATCH, LENGTH, GRADIENTS["hidden_size"]]).astype(np.float32)
    _record("gradients", build_gradients, inputs, config=GRADIENTS, seed=5,
            call_inputs=["input_ids", "input_mask", "token_type_ids"],
            extra_meta={"gradient_of": "sum(sequence_output_weights * sequence_output)"},
            what="modeling.BertModel and tf.gradients", atol_from_scale=1e-5)
    _record("initialized", build_initialized, _inputs(rng, INITIALIZED), config=INITIALIZED,
            seed=None, what="modeling.BertModel with its own initializers")


if __name__ == "__main__":
    main()
