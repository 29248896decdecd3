"""`tf.compat.v1.keras.utils.DeterministicRandomTestTool` after `install()`.

The behaviours of the legacy tool (those tf-keras's migration_utils_test
asserts), its reach into Keras 3's unseeded randomness, and the pattern of
TensorFlow's "validating correctness" guide with a real TF-Slim net: a TF1
graph and the same net in a tracked Keras 3 layer give the same regularization
loss and outputs, in inference and in training (dropout included).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core

tf1track_core.install()
import tf_slim as slim  # noqa: E402
from tf_slim.nets import inception_v1  # noqa: E402

v1 = tf.compat.v1
Tool = tf.compat.v1.keras.utils.DeterministicRandomTestTool


def _graph_uniforms(tool, shapes, seed=None):
    with tf.Graph().as_default() as graph, tool.scope():
        ops = [v1.random.uniform(shape, seed=seed) * 3 for shape in shapes]
        with v1.Session(graph=graph) as session:
            return session.run(ops)


def _eager_uniforms(tool, shapes, seed=None):
    with tool.scope():
        return [(tf.random.uniform(shape, seed=seed) * 3).numpy() for shape in shapes]


SHAPES = [(3, 1), (3, 3), (3, 3)]


@pytest.mark.parametrize("seed", [None, 1234])
def test_constant_mode_matches_graph_and_eager_and_repeats_per_shape(seed):
    tool = Tool()
    graph_a, graph_b, graph_c = _graph_uniforms(tool, SHAPES, seed)
    a, b, c = _eager_uniforms(tool, SHAPES, seed)
    for graph_value, eager_value in ((graph_a, a), (graph_b, b), (graph_c, c)):
        np.testing.assert_allclose(graph_value, eager_value)
    np.testing.assert_allclose(b, c)
    np.testing.assert_allclose(graph_b, graph_c)


def test_num_random_ops_mode_matches_graph_and_eager_and_differs_per_op():
    graph_values = _graph_uniforms(Tool(mode="num_random_ops"), SHAPES)
    eager_values = _eager_uniforms(Tool(mode="num_random_ops"), SHAPES)
    for graph_value, eager_value in zip(graph_values, eager_values):
        np.testing.assert_allclose(graph_value, eager_value)
    assert not np.allclose(eager_values[1], eager_values[2])


def test_num_random_ops_mode_follows_program_order_and_operation_seed():
    a, b = _eager_uniforms(Tool(mode="num_random_ops"), [(3, 3), (3, 3)])
    swapped_b, swapped_a = _eager_uniforms(Tool(mode="num_random_ops"), [(3, 3), (3, 3)])
    assert not np.allclose(a, swapped_a) and not np.allclose(b, swapped_b)
    tool = Tool(mode="num_random_ops")
    with tool.scope():
        tool.operation_seed = 1
        again_b = (tf.random.uniform((3, 3)) * 3).numpy()
        tool.operation_seed = 0
        again_a = (tf.random.uniform((3, 3)) * 3).numpy()
        assert tool.operation_seed == 1
        with pytest.raises(ValueError, match="re-use the already-used operation seed 1"):
            tf.random.uniform((3, 3))
    np.testing.assert_allclose(again_a, a)
    np.testing.assert_allclose(again_b, b)


def test_unknown_mode_is_a_value_error():
    with pytest.raises(ValueError, match="Mode arg must be 'constant' or 'num_random_ops'"):
        Tool(mode="sometimes")


class V1Dense(keras.layers.Layer):
    @tf.compat.v1.keras.utils.track_tf1_style_variables
    def call(self, x, training=False):
        out = v1.layers.dense(x, 4)
        return v1.layers.dropout(out, 0.5, training=training)


class NativeDense(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)
        self.dropout = keras.layers.Dropout(0.5)

    def call(self, x, training=False):
        return self.dropout(self.dense(x), training=training)


@pytest.mark.parametrize("training", [False, True])
def test_keras3_layers_draw_what_tf1_layers_draw_under_the_tool(training):
    results = []
    for layer_class in (V1Dense, NativeDense):
        tool = Tool(mode="num_random_ops")
        with tool.scope():
            layer = layer_class()
            x = tf.random.normal([2, 3])
            results.append((layer(x, training=training).numpy(), layer.weights[0].numpy()))
    (tf1_out, tf1_kernel), (keras_out, keras_kernel) = results
    np.testing.assert_allclose(keras_kernel, tf1_kernel, rtol=1e-7)
    np.testing.assert_allclose(keras_out, tf1_out, rtol=1e-6, atol=1e-7)


def test_seeded_keras_initializers_keep_their_own_seed():
    outside = keras.initializers.GlorotUniform(seed=3)([4, 4]).numpy()
    with Tool(mode="num_random_ops").scope():
        inside = keras.initializers.GlorotUniform(seed=3)([4, 4]).numpy()
        unseeded = keras.random.uniform([4])
    np.testing.assert_array_equal(inside, outside)
    with Tool(mode="num_random_ops").scope():
        np.testing.assert_array_equal(keras.random.uniform([4]).numpy(), unseeded.numpy())


class SlimInception(keras.layers.Layer):
    """The guide's pattern: a TF-Slim net in a tracked Keras 3 layer."""

    @tf.compat.v1.keras.utils.track_tf1_style_variables
    def call(self, images, training=False):
        with slim.arg_scope(inception_v1.inception_v1_arg_scope(weight_decay=4e-5)):
            return inception_v1.inception_v1(images, num_classes=10, is_training=training)[0]


@pytest.mark.parametrize("training", [False, True])
def test_guide_pattern_tf1_graph_and_tracked_layer_agree_under_the_tool(training):
    tool = Tool(mode="num_random_ops")
    with tf.Graph().as_default() as graph, tool.scope():
        images = tf.random.uniform([1, 224, 224, 3])
        with slim.arg_scope(inception_v1.inception_v1_arg_scope(weight_decay=4e-5)):
            logits = inception_v1.inception_v1(images, num_classes=10, is_training=training)[0]
        regularization = tf.math.add_n(v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES))
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            tf1_regularization, tf1_logits = session.run([regularization, logits])
    tool = Tool(mode="num_random_ops")
    with tool.scope():
        images = tf.random.uniform([1, 224, 224, 3])
        layer = SlimInception()
        tf2_logits = layer(images, training=training)
        tf2_regularization = tf.math.add_n(layer.losses)
    np.testing.assert_allclose(float(tf2_regularization), tf1_regularization, rtol=1e-6)
    np.testing.assert_allclose(tf2_logits.numpy(), tf1_logits, rtol=1e-5, atol=1e-5)
