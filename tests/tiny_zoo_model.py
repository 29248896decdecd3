"""A tiny zoo-style model registered for tests of the binaries and goldens.

`test_tiny_mlp`: dense -> batch norm -> relu -> dense (logits), TF1 layers in
scope `tiny_mlp`, following the zoo protocol (`example_inputs`, `training`,
`return_end_points`). `tf1_forward` is the same network written with TF core's
graph-mode `get_variable` and ops, used to record goldens in a TF1 Session.
"""

import keras
import numpy as np
import tensorflow as tf

import tf1track_core
import zoo
from tf1track_core import layers as tf1_layers

v1 = tf.compat.v1
MODEL_NAME = "test_tiny_mlp"


class TinyMLP(keras.layers.Layer):
    def __init__(self, num_classes=3, hidden=5, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.hidden = hidden

    def example_inputs(self, batch_size=2):
        return {"features": np.linspace(-1, 1, batch_size * 4, dtype=np.float32).reshape(-1, 4)}

    @tf1track_core.track_tf1_style_variables
    def call(self, features, training=False, return_end_points=False):
        with v1.variable_scope("tiny_mlp"):
            hidden = tf1_layers.dense(features, self.hidden, name="hidden")
            hidden = tf.nn.relu(tf1_layers.batch_normalization(hidden, training=bool(training),
                                                               name="bn"))
            logits = tf1_layers.dense(hidden, self.num_classes, name="logits")
        if return_end_points:
            return {"logits": logits, "tiny_mlp/hidden": hidden}
        return logits


def tf1_forward(features, num_classes=3, hidden=5, training=False):
    """The same network from TF core's graph-mode get_variable and ops (no tf1track)."""
    def dense(x, units, scope):
        with v1.variable_scope(scope):
            kernel = v1.get_variable("kernel", [x.shape[-1], units])
            bias = v1.get_variable("bias", [units], initializer=v1.zeros_initializer())
        return tf.nn.bias_add(tf.matmul(x, kernel), bias)

    with v1.variable_scope("tiny_mlp"):
        h = dense(features, hidden, "hidden")
        with v1.variable_scope("bn"):
            gamma = v1.get_variable("gamma", [hidden], initializer=v1.ones_initializer())
            beta = v1.get_variable("beta", [hidden], initializer=v1.zeros_initializer())
            mean = v1.get_variable("moving_mean", [hidden], initializer=v1.zeros_initializer(),
                                   trainable=False)
            variance = v1.get_variable("moving_variance", [hidden],
                                       initializer=v1.ones_initializer(), trainable=False)
        if training:
            mean, variance = tf.nn.moments(h, [0])
        h = tf.nn.relu(tf.nn.batch_normalization(h, mean, variance, beta, gamma, 1e-3))
        return dense(h, num_classes, "logits")


@zoo.register(MODEL_NAME)
def build_tiny_mlp(num_classes=3, hidden=5):
    return TinyMLP(num_classes=num_classes, hidden=hidden)


LINEAR_MODEL_NAME = "test_tiny_linear"


class TinyLinear(TinyMLP):
    """dense -> relu -> dense (no batch norm: replicas agree with one device exactly)."""

    @tf1track_core.track_tf1_style_variables
    def call(self, features, training=False, return_end_points=False):
        del training
        with v1.variable_scope("tiny_linear"):
            hidden = tf.nn.relu(tf1_layers.dense(features, self.hidden, name="hidden"))
            logits = tf1_layers.dense(hidden, self.num_classes, name="logits")
        return {"logits": logits} if return_end_points else logits


@zoo.register(LINEAR_MODEL_NAME)
def build_tiny_linear(num_classes=3, hidden=5):
    return TinyLinear(num_classes=num_classes, hidden=hidden)
