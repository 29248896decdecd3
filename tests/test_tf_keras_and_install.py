"""`install()`, and tracking when the active Keras is legacy Keras 2 (tf_keras)."""

import numpy as np
import tensorflow as tf

import tf1track_core
from tf1track_core import tf1_name, tf1_variables, track_tf1_style_variables

v1 = tf.compat.v1


def test_install_is_idempotent_and_resolves_the_tf1_entry_points():
    tf1track_core.install()
    tf1track_core.install()
    utils = tf.compat.v1.keras.utils
    assert utils.track_tf1_style_variables is track_tf1_style_variables
    assert utils.get_or_create_layer is tf1track_core.get_or_create_layer
    assert tf.compat.v1.math.matmul is tf.linalg.matmul
    assert tf.compat.v1.layers.dense is tf1track_core.layers.dense
    assert tf.compat.v1.nn.rnn_cell.BasicLSTMCell is tf1track_core.rnn_cell.BasicLSTMCell


# Every public name of TF 2.21's tf.compat.v1.layers and tf.compat.v1.nn.rnn_cell
# (with legacy Keras), but tf.compat.v1.layers.experimental (Keras-style scopes).
TF1_LAYERS_NAMES = [
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "BatchNormalization", "Conv1D",
    "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Dense", "Dropout", "Flatten",
    "InputSpec", "Layer", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D",
    "SeparableConv2D", "average_pooling1d", "average_pooling2d", "average_pooling3d",
    "batch_normalization", "conv1d", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose",
    "dense", "dropout", "flatten", "max_pooling1d", "max_pooling2d", "max_pooling3d",
    "separable_conv1d", "separable_conv2d"]
TF1_RNN_CELL_NAMES = [
    "BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMCell",
    "LSTMStateTuple", "MultiRNNCell", "RNNCell", "ResidualWrapper"]


def test_install_leaves_no_tf1_layer_or_cell_name_missing():
    tf1track_core.install()
    assert [n for n in TF1_LAYERS_NAMES if not hasattr(tf.compat.v1.layers, n)] == []
    assert [n for n in TF1_RNN_CELL_NAMES if not hasattr(tf.compat.v1.nn.rnn_cell, n)] == []


def test_tf1_code_runs_verbatim_after_install():
    tf1track_core.install()

    class Tagger(tf.Module):
        @tf.compat.v1.keras.utils.track_tf1_style_variables
        def __call__(self, x):
            cell = tf.compat.v1.nn.rnn_cell.MultiRNNCell(
                [tf.compat.v1.nn.rnn_cell.LSTMCell(4), tf.compat.v1.nn.rnn_cell.GRUCell(3)])
            outputs, _ = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
            return tf.compat.v1.layers.dense(outputs, 2, name="logits")

    tagger = Tagger()
    assert tagger(tf.ones([2, 5, 3])).shape == (2, 5, 2)
    assert list(tf1_variables(tagger))[0] == "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel"
    assert list(tf1_variables(tagger))[-1] == "logits/bias"


def test_a_legacy_tf_keras_layer_tracks_variables_and_losses():
    import tf_keras  # the test extra (pip install ".[test]")

    class LegacyDense(tf_keras.layers.Layer):
        @track_tf1_style_variables
        def call(self, inputs, training=None):
            self.seen_training.append(training)
            with v1.variable_scope("legacy"):
                kernel = v1.get_variable("kernel", [inputs.shape[-1], 2],
                                         initializer=v1.ones_initializer(),
                                         regularizer=lambda w: tf.reduce_sum(w))
                moving = v1.get_variable("moving", [2], trainable=False,
                                         initializer=v1.zeros_initializer())
            return tf.matmul(inputs, kernel) + moving

    layer = LegacyDense()
    layer.seen_training = []
    out = layer(tf.ones([1, 3]), training=True)
    layer(tf.ones([1, 3]))
    np.testing.assert_array_equal(out.numpy(), [[3.0, 3.0]])
    assert layer.seen_training == [True, None]
    assert sorted(tf1_name(w) for w in layer.weights) == ["legacy/kernel", "legacy/moving"]
    assert [tf1_name(w) for w in layer.trainable_weights] == ["legacy/kernel"]
    assert list(tf1_variables(layer)) == ["legacy/kernel", "legacy/moving"]
    assert [float(x) for x in layer.losses] == [6.0]

    inputs = tf_keras.Input((3,))
    legacy = LegacyDense()
    legacy.seen_training = []
    model = tf_keras.Model(inputs, legacy(inputs))
    model.compile(optimizer=tf_keras.optimizers.SGD(0.1), loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    kernel = tf1_variables(model)["legacy/kernel"]
    assert not np.allclose(kernel.numpy(), 1.0)
    assert True in legacy.seen_training  # tf_keras passed training=True in fit
