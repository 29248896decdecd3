"""`install()`: make the `tf.compat.v1` names TF1 code uses resolve to tf1track."""

import importlib
import threading

import tensorflow as tf

from tf1track_core.decorator import get_or_create_layer, track_tf1_style_variables

_lock = threading.Lock()

# `tf.compat.v1.<attribute>` -> the tf1track module replacing it, once it exists.
_MODULE_REPLACEMENTS = (
    ("layers", "tf1track_core.layers"),
)
_NN_MODULE_REPLACEMENTS = (
    ("rnn_cell", "tf1track_core.rnn_cell"),
)


def install():
    """Points TF1 entry points at tf1track so TF1 code runs verbatim on Keras 3.

    Afterwards `tf.compat.v1.keras.utils.track_tf1_style_variables` and
    `tf.compat.v1.keras.utils.get_or_create_layer` are tf1track's,
    `tf.compat.v1.layers` is `tf1track_core.layers` and
    `tf.compat.v1.nn.rnn_cell` is `tf1track_core.rnn_cell` (Keras 3 made both
    raise), and `tf.compat.v1.math.matmul` exists (TF1 code in the wild,
    including the original documentation of the decorator, calls it; no
    TensorFlow release defined it). Calling it again changes nothing.

    Importing `tf_keras` makes TensorFlow reset `tf.compat.v1.layers` and
    `tf.compat.v1.nn.rnn_cell`; in a program that imports it, call `install()`
    after that import.
    """
    with _lock:
        keras_utils = tf.compat.v1.keras.utils
        keras_utils.track_tf1_style_variables = track_tf1_style_variables
        keras_utils.get_or_create_layer = get_or_create_layer
        if not hasattr(tf.compat.v1.math, "matmul"):
            tf.compat.v1.math.matmul = tf.linalg.matmul
        for target, replacements in ((tf.compat.v1, _MODULE_REPLACEMENTS),
                                     (tf.compat.v1.nn, _NN_MODULE_REPLACEMENTS)):
            for attribute, module_name in replacements:
                setattr(target, attribute, importlib.import_module(module_name))
