"""`install()`: make the `tf.compat.v1` names TF1 code uses resolve to tf1track."""

import threading

import tensorflow as tf

from tf1track_core.decorator import get_or_create_layer, track_tf1_style_variables

_lock = threading.Lock()


def install():
    """Points TF1 entry points at tf1track so TF1 code runs verbatim on Keras 3.

    Afterwards `tf.compat.v1.keras.utils.track_tf1_style_variables` and
    `tf.compat.v1.keras.utils.get_or_create_layer` are tf1track's, and
    `tf.compat.v1.math.matmul` exists (TF1 code in the wild, including the
    original documentation of the decorator, calls it; no TF release defined
    it). Calling it again changes nothing.
    """
    with _lock:
        keras_utils = tf.compat.v1.keras.utils
        keras_utils.track_tf1_style_variables = track_tf1_style_variables
        keras_utils.get_or_create_layer = get_or_create_layer
        if not hasattr(tf.compat.v1.math, "matmul"):
            tf.compat.v1.math.matmul = tf.linalg.matmul
