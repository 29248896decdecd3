"""Tracked calls inside `tf.function` (also XLA) and under MirroredStrategy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1track_core import tf1_name, tf1_variables, track_tf1_style_variables

v1 = tf.compat.v1


class CountingMLP(keras.layers.Layer):
    """Two TF1 tanh dense layers with default scope names; records variable creations."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.created = []

    @track_tf1_style_variables
    def call(self, inputs):
        out = inputs
        for units in (5, 2):
            with v1.variable_scope(None, default_name="dense"):
                scope = v1.get_variable_scope().name
                existing = set(tf1_variables(self))
                kernel = v1.get_variable("kernel", [out.shape[-1], units],
                                         initializer=v1.glorot_uniform_initializer(seed=7))
                bias = v1.get_variable("bias", [units], initializer=v1.constant_initializer(0.1))
                self.created.extend(n for n in (scope + "/kernel", scope + "/bias")
                                    if n not in existing)
                out = tf.tanh(tf.nn.bias_add(tf.matmul(out, kernel), bias))
        return out


@pytest.mark.parametrize("jit_compile", [False, True])
def test_tf_function_creates_on_first_trace_only_and_matches_eager(jit_compile):
    layer = CountingMLP()
    call = tf.function(layer, jit_compile=jit_compile)
    x = tf.reshape(tf.range(12, dtype=tf.float32), [3, 4]) / 10.0
    traced = call(x)
    names = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    assert layer.created == names
    # A new input shape retraces; nothing new is created.
    call(tf.ones([7, 4]))
    call(x)
    assert layer.created == names
    assert [tf1_name(w) for w in layer.weights] == names
    np.testing.assert_allclose(traced.numpy(), layer(x).numpy(), rtol=1e-6, atol=1e-6)


def test_gradients_through_tf_function_reach_the_tf1_variables():
    layer = CountingMLP()
    x = tf.ones([2, 4])

    @tf.function
    def grads():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x))
        return tape.gradient(loss, layer.trainable_weights)

    gradients = grads()
    assert len(gradients) == 4 and all(g is not None for g in gradients)
    assert all(float(tf.reduce_sum(tf.abs(g))) > 0 for g in gradients)


def test_mirrored_strategy_mirrors_store_variables_and_strategy_run_works():
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "conftest configures two logical CPUs"
    strategy = tf.distribute.MirroredStrategy([d.name for d in devices[:2]])
    with strategy.scope():
        layer = CountingMLP()
        model = keras.Sequential([keras.Input((4,)), layer])
    for weight in layer.weights:
        assert isinstance(weight.value, tf.distribute.DistributedValues), tf1_name(weight)
        assert len(weight.value.values) == 2
    x = tf.ones([4, 4])

    @tf.function
    def replica_outputs():
        return strategy.run(lambda inputs: layer(inputs), args=(x,))

    per_replica = replica_outputs()
    values = strategy.experimental_local_results(per_replica)
    assert len(values) == 2
    np.testing.assert_allclose(values[0].numpy(), layer(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(values[1].numpy(), values[0].numpy())

    # A distributed training step updates every replica's copy identically.
    with strategy.scope():
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = tf1_variables(model)["dense/kernel"].numpy().copy()
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 2), "float32"), epochs=1,
              batch_size=4, verbose=0)
    kernel = tf1_variables(model)["dense/kernel"]
    assert not np.allclose(kernel.numpy(), before)
    np.testing.assert_allclose(kernel.values[0].numpy(), kernel.values[1].numpy())
