"""google-research/bert's own `modeling.py` (bert-tensorflow 1.0.4), unmodified, through tf1track.

`install()` first, then `from bert import modeling` (which imports
`tensorflow.compat.v1` and `from tensorflow.contrib import layers`). Its
`BertModel` runs in a tracked Keras 3 layer: it loads a TF1 checkpoint by name,
matches a golden recorded from the same file in a TF1 graph
(tests/goldens/record_bert_upstream_golden.py), and trains with `model.fit`.
"""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core

tf1track_core.install()
from bert import modeling  # noqa: E402  (after install(), as users do)

from checkpoints_tools import load_tf1_checkpoint  # noqa: E402
from tf1track_core import tf1_name  # noqa: E402

GOLDEN = pathlib.Path(__file__).parent / "goldens" / "bert_upstream"
META = json.loads((GOLDEN / "meta.json").read_text())


class UpstreamBert(keras.layers.Layer):
    """bert's `BertModel` as a tracked Keras 3 layer."""

    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.config = config

    @tf.compat.v1.keras.utils.track_tf1_style_variables
    def call(self, input_ids, input_mask, token_type_ids, training=False):
        model = modeling.BertModel(config=modeling.BertConfig(**self.config),
                                   is_training=bool(training), input_ids=input_ids,
                                   input_mask=input_mask, token_type_ids=token_type_ids)
        return {"sequence_output": model.get_sequence_output(),
                "pooled_output": model.get_pooled_output(),
                "layer_0_output": model.get_all_encoder_layers()[0]}


def _arrays(name):
    with np.load(GOLDEN / name, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
def test_upstream_bert_loads_its_checkpoint_and_matches_tf1(use_function):
    inputs = _arrays("inputs.npz")
    expected = _arrays("outputs.npz")
    layer = UpstreamBert(META["config"])
    call = tf.function(layer) if use_function else layer
    args = [tf.constant(inputs[name]) for name in META["inputs"]]
    call(*args)
    assert tf1_name(layer.weights[0]) == "bert/embeddings/word_embeddings"
    report = load_tf1_checkpoint(layer, str(GOLDEN / "model.ckpt"))
    assert not report.missing and not report.unexpected and not report.mismatched
    assert len(report.loaded) == len(layer.weights)
    outputs = call(*args)
    for name, value in expected.items():
        np.testing.assert_allclose(outputs[name].numpy(), value, atol=META["atol"],
                                   rtol=META["rtol"], err_msg=name)


def test_upstream_bert_fine_tunes_with_model_fit():
    # Training mode without dropout: the loss on this fixed batch must fall
    # step after step, not just on average.
    config = dict(META["config"], hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    keras.utils.set_random_seed(1)
    ids = keras.Input((8,), dtype="int32")
    mask = keras.Input((8,), dtype="int32")
    types = keras.Input((8,), dtype="int32")
    bert = UpstreamBert(config)
    pooled = bert(ids, mask, types)["pooled_output"]
    logits = keras.layers.Dense(2)(pooled)
    model = keras.Model([ids, mask, types], logits)
    inputs = _arrays("inputs.npz")
    load_tf1_checkpoint(bert, str(GOLDEN / "model.ckpt"))
    start = {tf1_name(w): w.numpy() for w in bert.trainable_weights}
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    data = [np.tile(inputs[name], [4, 1]) for name in META["inputs"]]
    labels = np.array([0, 1] * 4)
    history = model.fit(data, labels, batch_size=8, epochs=5, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)) and all(np.diff(losses) < 0), losses
    now = {tf1_name(w): w.numpy() for w in bert.trainable_weights}
    moved = [name for name, value in start.items() if not np.allclose(value, now[name])]
    assert "bert/encoder/layer_0/attention/self/query/kernel" in moved
