"""Records goldens of TF 1.15's `tf.contrib.layers` (as TF-Slim 1.1.0 ships it) and contrib cells.

Not the port: layers run TF-Slim 1.1.0's `tf_slim.layers` (TF 1.15's
contrib layers code) in TF1 graph mode in a `tf.compat.v1.Session`;
`LSTMBlockCell` goldens run tf-keras's legacy `LSTMCell` (the same LSTM, the
same variable names); `LayerNormBasicLSTMCell` runs a transcription of TF
1.15's cell (tests/goldens/contrib_rnn_reference.py) on tf-keras's legacy
`RNNCell` and TF-Slim's `layer_norm`; `embed_sequence` (not in TF-Slim) runs a
transcription of TF 1.15's. Needs tensorflow 2.21, tf-keras 2.21, tf-slim 1.1.0:

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_contrib_goldens.py

Writes tests/goldens/contrib_layers/ (one npz per case, `initializers.npz`,
manifest.json) and tests/goldens/contrib_rnn/.
"""

import os
import pathlib
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras.src.legacy_tf_layers  # noqa: E402  (tf-slim imports tf_keras.legacy_tf_layers)

sys.modules.setdefault("tf_keras.legacy_tf_layers", tf_keras.src.legacy_tf_layers)
from tensorflow.python.framework import ops as _ops  # noqa: E402

# TF-Slim 1.1.0's `constant_value` (fused batch norm) names `ops.Tensor`, which
# TF 2.21 moved: point it back so the real slim code runs.
_ops.Tensor = getattr(_ops, "Tensor", tf.Tensor)
import tf_slim  # noqa: E402

from contrib_layer_cases import CASES, apply_case  # noqa: E402
from contrib_rnn_cases import RNN_CASES, run_rnn_case  # noqa: E402
from contrib_rnn_reference import ReferenceCells, embed_sequence  # noqa: E402
from initializer_cases import INITIALIZER_CASES, REGULARIZER_CASES, regularizer_input  # noqa: E402
from tf1_session import record_all, record_layer_case  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
LAYERS_DIR = HERE / "contrib_layers"
RNN_DIR = HERE / "contrib_rnn"


class _ContribLayers:
    """TF-Slim's layers, and the transcribed `embed_sequence` TF-Slim lacks."""

    embed_sequence = staticmethod(embed_sequence)

    def __getattr__(self, name):
        return getattr(tf_slim, name)


def _summary(entry):
    return {key: entry[key] for key in ("variables", "trainable", "updated")}


def record_layer(name, case, seed):
    return _summary(record_layer_case(LAYERS_DIR, name, case, seed,
                                      lambda x: apply_case(_ContribLayers(), case, x)))


def record_rnn(name, case, seed):
    return _summary(record_layer_case(RNN_DIR, name, case, seed,
                                      lambda x: run_rnn_case(ReferenceCells, case, x)))


def record_initializers():
    arrays = {}
    for name, (fn_name, kwargs, shape) in sorted(INITIALIZER_CASES.items()):
        with tf.Graph().as_default() as graph:
            tf.compat.v1.set_random_seed(7)
            value = getattr(tf_slim, fn_name)(**kwargs)(shape)
            with tf.compat.v1.Session(graph=graph) as session:
                arrays[name] = session.run(value)
    with tf.Graph().as_default() as graph:
        weights = tf.constant(regularizer_input())
        losses = {name: getattr(tf_slim, fn_name)(*args)(weights)
                  for name, (fn_name, args) in sorted(REGULARIZER_CASES.items())}
        with tf.compat.v1.Session(graph=graph) as session:
            arrays.update({f"regularizer:{k}": v for k, v in session.run(losses).items()})
    np.savez(LAYERS_DIR / "initializers.npz", **arrays)


def main():
    record_all(LAYERS_DIR, "TF-Slim 1.1.0 tf_slim.layers (TF 1.15 contrib.layers code) in TF1 "
               "graph mode; embed_sequence from a transcription of TF 1.15's "
               "(tests/goldens/record_contrib_goldens.py)", CASES, record_layer)
    record_initializers()
    record_all(RNN_DIR, "tf-keras legacy LSTMCell (for LSTMBlockCell) and a transcription of "
               "TF 1.15's LayerNormBasicLSTMCell on tf-keras's legacy RNNCell with TF-Slim's "
               "layer_norm, with TF core's dynamic_rnn in TF1 graph mode "
               "(tests/goldens/record_contrib_goldens.py)", RNN_CASES, record_rnn)


if __name__ == "__main__":
    main()
