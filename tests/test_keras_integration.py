"""Tracked TF1 code inside Keras 3 layers and models."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from tf1track_core import (VariableScopeLayer, get_or_create_layer, tf1_name, tf1_variables,
                           track_tf1_style_variables)

v1 = tf.compat.v1


class TF1Dense(keras.layers.Layer):
    """A TF1-style dense layer with an L2 regularizer and a frozen step counter."""

    def __init__(self, units, scope="tf1_dense", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scope = scope
        self.seen_training = []

    @track_tf1_style_variables
    def call(self, inputs, training=None):
        self.seen_training.append(training)
        with v1.variable_scope(self.scope):
            kernel = v1.get_variable(
                "kernel", [inputs.shape[-1], self.units],
                initializer=v1.random_normal_initializer(seed=1),
                regularizer=lambda w: 0.1 * tf.reduce_sum(tf.square(w)))
            bias = v1.get_variable("bias", [self.units], initializer=v1.zeros_initializer())
            calls = v1.get_variable("calls", [], dtype=tf.int64, trainable=False)
        calls.assign_add(1)
        return tf.nn.bias_add(tf.matmul(inputs, kernel), bias)


def _functional_model(layer, input_dim=4):
    inputs = keras.Input((input_dim,))
    return keras.Model(inputs, layer(inputs))


def test_weights_in_creation_order_with_tf1_names():
    layer = TF1Dense(3)
    layer(tf.ones([2, 4]))
    names = ["tf1_dense/kernel", "tf1_dense/bias", "tf1_dense/calls"]
    assert [tf1_name(w) for w in layer.weights] == names
    assert [tf1_name(w) for w in layer.trainable_weights] == names[:2]
    assert [tf1_name(w) for w in layer.non_trainable_weights] == names[2:]
    assert [w.value.name for w in layer.weights] == [n + ":0" for n in names]
    assert list(tf1_variables(layer)) == names
    # TF1 code and Keras hold the same variable, not a copy.
    assert tf1_variables(layer)["tf1_dense/kernel"] is layer.weights[0].value


def test_functional_api_summary_and_fit_trains_the_tf1_variables():
    layer = TF1Dense(3)
    model = _functional_model(layer)
    assert len(model.weights) == 3
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    assert any("Total params: 16" in line for line in lines)  # 4*3 + 3 + 1
    before = {name: v.numpy().copy() for name, v in tf1_variables(model).items()}

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 3))).astype("float32")
    for optimizer in (keras.optimizers.SGD(0.01), keras.optimizers.Adam(0.01)):
        model.compile(optimizer=optimizer, loss="mse")
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
    after = tf1_variables(model)
    assert not np.allclose(after["tf1_dense/kernel"].numpy(), before["tf1_dense/kernel"])
    assert not np.allclose(after["tf1_dense/bias"].numpy(), before["tf1_dense/bias"])
    assert list(after) == ["tf1_dense/kernel", "tf1_dense/bias", "tf1_dense/calls"]
    # fit passed training=True, predict training=False, as to any Keras layer.
    model.predict(x, verbose=0)
    assert True in layer.seen_training and layer.seen_training[-1] is False


def test_fit_loss_includes_the_tf1_regularizer():
    layer = TF1Dense(2)
    model = _functional_model(layer)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((4, 4), "float32")
    y = np.zeros((4, 2), "float32")
    kernel = tf1_variables(model)["tf1_dense/kernel"]
    expected = 0.1 * float(tf.reduce_sum(tf.square(kernel)))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)


def test_training_argument_reaches_the_decorated_call():
    layer = TF1Dense(2)
    x = tf.ones([1, 4])
    layer(x, training=True)
    layer(x)

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layer

        def call(self, inputs, training=None):
            return self.inner(inputs)

    Outer()(x, training=True)  # Keras propagates the outer call's training.
    assert layer.seen_training == [True, None, True]


def test_save_weights_load_weights_round_trip(tmp_path):
    model = _functional_model(TF1Dense(3))
    saved = [w.numpy().copy() for w in model.weights]
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    for w in model.weights:
        w.assign(tf.zeros_like(w))
    model.load_weights(path)
    for w, value in zip(model.weights, saved):
        np.testing.assert_array_equal(w.numpy(), value)


def test_tf_train_checkpoint_round_trip_into_a_fresh_model(tmp_path):
    model = _functional_model(TF1Dense(3))
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "ckpt"))
    fresh = _functional_model(TF1Dense(3))
    for w in fresh.weights:
        w.assign(tf.zeros_like(w))
    tf.train.Checkpoint(model=fresh).read(path).assert_existing_objects_matched()
    for a, b in zip(model.weights, fresh.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


class Composite(keras.layers.Layer):
    """Tracked code using a plain Keras layer and a tracked layer held as attributes."""

    def __init__(self):
        super().__init__()
        self.keras_dense = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))
        self.tf1_dense = TF1Dense(2, scope="inner")

    @track_tf1_style_variables
    def call(self, inputs):
        with v1.variable_scope("outer"):
            w = v1.get_variable("scale", [2], initializer=v1.ones_initializer(),
                                regularizer=lambda w: tf.reduce_sum(w))
        return self.tf1_dense(self.keras_dense(inputs)) * w


def test_attribute_layers_are_tracked_and_losses_counted_once():
    layer = Composite()
    layer(tf.ones([1, 3]))
    layer(tf.ones([1, 3]))
    assert len(layer.weights) == 6  # scale + Dense(kernel, bias) + kernel, bias, calls
    assert "outer/scale" in tf1_variables(layer)
    assert "inner/kernel" in tf1_variables(layer)
    inner_kernel = tf1_variables(layer)["inner/kernel"]
    keras_kernel = layer.keras_dense.kernel
    expected = sorted([
        2.0,  # sum of the ones `scale`
        0.5 * float(tf.reduce_sum(tf.square(keras_kernel))),
        0.1 * float(tf.reduce_sum(tf.square(inner_kernel))),
    ])
    np.testing.assert_allclose(sorted(float(x) for x in layer.losses), expected, rtol=1e-6)
    # regularization_losses: only the TF1 regularizers, each once.
    np.testing.assert_allclose(
        [float(x) for x in tf1track_core.regularization_losses(layer)],
        [2.0, 0.1 * float(tf.reduce_sum(tf.square(inner_kernel)))], rtol=1e-6)
    model = keras.Sequential([keras.Input((3,)), layer])
    assert len(model.losses) == 3


def test_get_or_create_layer_creates_once_per_scope_and_tracks_weights_and_losses():
    created = []

    def build_mlp():
        created.append(1)
        return keras.Sequential([
            keras.Input((3,)),
            keras.layers.Dense(4, kernel_regularizer=keras.regularizers.L2(1.0)),
        ])

    class WithNestedModel(keras.layers.Layer):
        @track_tf1_style_variables
        def call(self, inputs):
            with v1.variable_scope("tower"):
                mlp = get_or_create_layer("mlp", build_mlp)
                out = mlp(inputs)
            with v1.variable_scope("head"):
                kernel = v1.get_variable("kernel", [4, 1])
            return tf.matmul(out, kernel)

    layer = WithNestedModel()
    x = tf.ones([2, 3])
    layer(x)
    layer(x)
    assert created == [1]
    assert len(layer.weights) == 3
    assert len(layer.trainable_weights) == 3
    [mlp_kernel] = [w for w in layer.weights if tuple(w.shape) == (3, 4)]
    assert [float(x) for x in layer.losses] == pytest.approx(
        [float(tf.reduce_sum(tf.square(mlp_kernel)))], rel=1e-6)


def test_get_or_create_layer_outside_tracked_code_is_an_error():
    with pytest.raises(ValueError, match="outside a method decorated"):
        get_or_create_layer("mlp", lambda: keras.layers.Dense(1))


def test_decorating_a_method_other_than_call():
    class Encoder(keras.Model):
        @track_tf1_style_variables
        def encode(self, x):
            return tf.matmul(x, v1.get_variable("encoder/kernel", [2, 2]))

        def call(self, x):
            return self.encode(x)

    model = Encoder()
    model(tf.ones([1, 2]))
    model.encode(tf.ones([1, 2]))
    assert [tf1_name(w) for w in model.weights] == ["encoder/kernel"]


def test_variable_scope_layer_forward_pass_receives_training():
    class Scaled(VariableScopeLayer):
        def forward_pass(self, inputs, training=None):
            scale = v1.get_variable("scale", [], initializer=v1.constant_initializer(2.0))
            return inputs * scale * (10.0 if training else 1.0)

    layer = Scaled()
    x = tf.ones([1, 2])
    np.testing.assert_allclose(layer(x).numpy(), [[2.0, 2.0]])
    np.testing.assert_allclose(layer(x, training=True).numpy(), [[20.0, 20.0]])
    assert [tf1_name(w) for w in layer.weights] == ["scale"]


def test_variable_scope_module():
    class Affine(tf1track_core.VariableScopeModule):
        def forward_pass(self, x):
            return x * v1.get_variable("a", [], initializer=v1.constant_initializer(3.0))

    module = Affine()
    assert float(module(tf.constant(2.0))) == 6.0
    assert [tf1_name(v) for v in module.variables] == ["a"]
