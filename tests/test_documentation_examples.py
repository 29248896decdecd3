"""The examples of the original `track_tf1_style_variables` documentation.

The class bodies are the documentation's, verbatim; only the imports differ
(Keras 3's `keras.regularizers` for tf_keras's, and `install()` so that
`tf.compat.v1.keras.utils.track_tf1_style_variables` and
`tf.compat.v1.math.matmul` resolve).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import regularizers
from tensorflow.python.ops import init_ops

import tf1track_core

tf1track_core.install()


class WrappedDoubleDenseLayer(tf.keras.layers.Layer):

  def __init__(self, units, *args, **kwargs):
    super().__init__(*args, **kwargs)
    self.units = units

  @tf.compat.v1.keras.utils.track_tf1_style_variables
  def call(self, inputs):
    out = inputs
    with tf.compat.v1.variable_scope("double_dense_layer"):
      with tf.compat.v1.variable_scope("dense_one"):
        # The weights are created with a `regularizer`,
        # so the layer should track their regularization losses
        kernel = tf.compat.v1.get_variable(
            shape=[out.shape[-1], self.units],
            regularizer=regularizers.L2(),
            initializer=init_ops.ones_initializer(),
            name="kernel")
        bias = tf.compat.v1.get_variable(
            shape=[self.units,],
            initializer=init_ops.zeros_initializer(),
            name="bias")
        out = tf.compat.v1.math.matmul(out, kernel)
        out = tf.compat.v1.nn.bias_add(out, bias)
      with tf.compat.v1.variable_scope("dense_two"):
        kernel = tf.compat.v1.get_variable(
            shape=[out.shape[-1], self.units],
            regularizer=regularizers.L2(),
            initializer=init_ops.ones_initializer(),
            name="kernel")
        bias = tf.compat.v1.get_variable(
            shape=[self.units,],
            initializer=init_ops.zeros_initializer(),
            name="bias")
        out = tf.compat.v1.math.matmul(out, kernel)
        out = tf.compat.v1.nn.bias_add(out, bias)
    return out


EXPECTED_NAMES = [
    "double_dense_layer/dense_one/kernel",
    "double_dense_layer/dense_one/bias",
    "double_dense_layer/dense_two/kernel",
    "double_dense_layer/dense_two/bias",
]


def test_get_variable_example_names_weights_and_losses():
    layer = WrappedDoubleDenseLayer(10)
    out = layer(tf.ones(shape=(5, 5)))

    assert [tf1track_core.tf1_name(w) for w in layer.weights] == EXPECTED_NAMES
    assert [w.value.name for w in layer.weights] == [n + ":0" for n in EXPECTED_NAMES]
    assert len(layer.trainable_variables) == 4
    # Ones kernels, zero biases: each row of 5 ones gives 5, then 10 * 5.
    np.testing.assert_allclose(out.numpy(), np.full((5, 10), 50.0))
    # keras.regularizers.L2() is 0.01 * sum(w ** 2): 0.01 * 50 and 0.01 * 100.
    np.testing.assert_allclose([float(x) for x in layer.losses], [0.5, 1.0], rtol=1e-6)
    np.testing.assert_allclose(
        [float(x) for x in tf1track_core.regularization_losses(layer)], [0.5, 1.0], rtol=1e-6)


def test_get_variable_example_second_call_reuses_and_assign_changes_output():
    layer = WrappedDoubleDenseLayer(10)
    layer(tf.ones(shape=(5, 5)))
    weights_before = [id(w) for w in layer.weights]

    out = layer(tf.ones(shape=(5, 5)))
    assert [id(w) for w in layer.weights] == weights_before
    np.testing.assert_allclose(out.numpy(), np.full((5, 10), 50.0))
    assert len(layer.losses) == 2

    layer.weights[0].assign(tf.fill([5, 10], 2.0))  # dense_one/kernel
    out = layer(tf.ones(shape=(5, 5)))
    np.testing.assert_allclose(out.numpy(), np.full((5, 10), 100.0))
    np.testing.assert_allclose([float(x) for x in layer.losses], [2.0, 1.0], rtol=1e-6)


def test_get_variable_example_is_a_keras_3_layer():
    assert isinstance(WrappedDoubleDenseLayer(3), keras.layers.Layer)


class WrappedDoubleDenseLayerWithTF1Layers(tf.keras.layers.Layer):
  """The documentation's first example, verbatim apart from the class name."""

  def __init__(self, units, *args, **kwargs):
    super().__init__(*args, **kwargs)
    self.units = units

  @tf.compat.v1.keras.utils.track_tf1_style_variables
  def call(self, inputs):
    with tf.compat.v1.variable_scope("double_dense_layer"):
      out = tf.compat.v1.layers.dense(
          inputs, self.units, name="dense_one",
          kernel_initializer=tf.compat.v1.random_normal_initializer,
          kernel_regularizer="l2")
      out = tf.compat.v1.layers.dense(
          out, self.units, name="dense_two",
          kernel_initializer=tf.compat.v1.random_normal_initializer(),
          kernel_regularizer="l2")
    return out


def test_tf1_layers_example_names_weights_losses_and_reuse():
  tf1track_core.install()  # again: importing tf_keras (other tests) resets tf.compat.v1.layers
  layer = WrappedDoubleDenseLayerWithTF1Layers(10)
  x = tf.ones(shape=(5, 5))
  out = layer(x)
  assert [tf1track_core.tf1_name(w) for w in layer.weights] == EXPECTED_NAMES
  assert len(layer.trainable_variables) == 4

  kernel_one, bias_one, kernel_two, bias_two = (w.numpy() for w in layer.weights)
  expected = (x.numpy() @ kernel_one + bias_one) @ kernel_two + bias_two
  np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)
  np.testing.assert_array_equal(bias_one, np.zeros(10))
  # "l2" is 0.01 * sum(w ** 2), one loss per regularized kernel.
  np.testing.assert_allclose(
      [float(x) for x in layer.losses],
      [0.01 * np.sum(kernel_one ** 2), 0.01 * np.sum(kernel_two ** 2)], rtol=1e-5)

  weights_before = [id(w) for w in layer.weights]
  np.testing.assert_allclose(layer(x).numpy(), out.numpy(), rtol=1e-6)
  assert [id(w) for w in layer.weights] == weights_before
  layer.weights[1].assign(tf.ones([10]))  # dense_one/bias
  assert not np.allclose(layer(x).numpy(), out.numpy())
