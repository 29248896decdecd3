"""The seed example: TF1 `get_variable` code as a Keras 3 layer, trained with `fit`.

Run: python examples/double_dense_layer.py
It prints the TF1-named weights, the regularization losses, and both again
after a few steps of `model.fit`.
"""

import keras
import numpy as np
import tensorflow as tf

import tf1track_core


class DoubleDenseLayer(keras.layers.Layer):
    """Two dense layers written with TF1's get_variable and variable_scope."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    @tf1track_core.track_tf1_style_variables
    def call(self, inputs):
        out = inputs
        with tf.compat.v1.variable_scope("double_dense_layer"):
            for scope in ("dense_one", "dense_two"):
                with tf.compat.v1.variable_scope(scope):
                    kernel = tf.compat.v1.get_variable(
                        "kernel", shape=[out.shape[-1], self.units],
                        regularizer=keras.regularizers.L2(),
                        initializer=tf.compat.v1.ones_initializer())
                    bias = tf.compat.v1.get_variable(
                        "bias", shape=[self.units], initializer=tf.compat.v1.zeros_initializer())
                    out = tf.nn.bias_add(tf.matmul(out, kernel), bias)
        return out


def describe(model):
    """Prints every weight by TF1 name and the model's losses."""
    for name, variable in tf1track_core.tf1_variables(model).items():
        print(f"  {name:38s} shape={variable.shape}  mean={float(tf.reduce_mean(variable)):.5f}")
    print("  regularization losses:", [round(float(loss), 5) for loss in model.losses])


def main():
    inputs = keras.Input((5,))
    model = keras.Model(inputs, DoubleDenseLayer(10)(inputs))
    print("after build:")
    describe(model)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(64, 5)).astype("float32")
    targets = features.sum(axis=1, keepdims=True).repeat(10, axis=1).astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
    history = model.fit(features, targets, epochs=3, batch_size=16, verbose=0)
    print("after 3 epochs of fit (loss %.4f -> %.4f):" % (history.history["loss"][0],
                                                         history.history["loss"][-1]))
    describe(model)


if __name__ == "__main__":
    main()
