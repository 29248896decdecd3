"""The official shim's remaining behaviours, and the tf.Variable face of tracked variables."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from tf1track_core import tf1_name, track_tf1_style_variables

v1 = tf.compat.v1


def test_decorating_a_method_of_a_plain_object_raises_a_value_and_type_error():
    class NotALayer:
        @track_tf1_style_variables
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="keras.layers.Layer, keras.Model or tf.Module") as info:
        NotALayer().call(1)
    assert isinstance(info.value, TypeError)


class BuildsKerasLayersInCall(keras.layers.Layer):
    """TF1-style code that creates Keras layers as attributes in its first call."""

    def build(self, input_shape):
        self.built = True  # built before the call, as Keras does

    @track_tf1_style_variables
    def call(self, inputs):
        if not hasattr(self, "projection"):
            self.projection = keras.layers.Dense(
                3, kernel_regularizer=keras.regularizers.L2(0.5),
                kernel_initializer="ones")
        with v1.variable_scope("tf1"):
            scale = v1.get_variable("scale", [], initializer=v1.constant_initializer(2.0))
        return self.projection(inputs) * scale


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
def test_keras_layers_assigned_in_a_call_after_build_are_tracked(use_function):
    layer = BuildsKerasLayersInCall()
    call = tf.function(layer) if use_function else layer
    x = tf.ones([2, 4])
    out = call(x)
    np.testing.assert_allclose(out.numpy(), np.full([2, 3], 8.0))
    assert sorted(w.path.split("/")[-1] for w in layer.weights) == ["bias", "kernel", "tf1.scale"]
    assert [float(loss) for loss in layer.losses] == [6.0]  # 0.5 * sum(ones[4, 3])
    call(x)
    assert len(layer.weights) == 3
    assert layer._tracker.locked  # pylint: disable=protected-access


def test_tracked_variables_have_the_whole_tf_variable_api():
    class Embedding(keras.layers.Layer):
        @track_tf1_style_variables
        def call(self, ids):
            table = v1.get_variable("table", [5, 2], initializer=v1.ones_initializer())
            return tf.nn.embedding_lookup(table, ids)

    layer = Embedding()
    layer(tf.constant([0, 1]))
    table = layer.weights[0]
    assert table.name == "table:0" and tf1_name(table) == "table"
    np.testing.assert_array_equal(table.read_value().numpy(), np.ones([5, 2]))
    np.testing.assert_array_equal(table.sparse_read([1]).numpy(), [[1.0, 1.0]])
    table.assign_add(tf.ones([5, 2]), read_value=False)
    table.scatter_add(tf.IndexedSlices(tf.ones([1, 2]), tf.constant([3])))
    np.testing.assert_array_equal(table.numpy()[:, 0], [2.0, 2.0, 2.0, 3.0, 2.0])
    assert table.get_shape() == (5, 2)
    assert table.device == table.tf1_variable.device
    assert table.handle is table.tf1_variable.handle


class Wrapper(keras.Model):
    """A Keras 3 model holding a tracked TF1 layer."""

    def __init__(self):
        super().__init__()
        self.inner = BuildsKerasLayersInCall()

    def call(self, inputs):
        return self.inner(inputs)


@pytest.mark.parametrize("file_name", ["model.weights.h5", "model.keras"])
def test_keras_saving_still_works_with_tf1_names(tmp_path, file_name):
    model = Wrapper()
    x = tf.ones([1, 4])
    model(x)
    model.inner.projection.kernel.assign(tf.fill([4, 3], 0.25))
    assert "tf1/scale:0" in {w.name for w in model.weights}
    path = str(tmp_path / file_name)
    if file_name.endswith(".keras"):
        model.save(path)
    else:
        model.save_weights(path)
    second = Wrapper()
    second(x)
    second.load_weights(path)
    np.testing.assert_allclose(second(x).numpy(), model(x).numpy())


def test_optimizer_slots_of_tf1_variables_are_named_from_keras_paths():
    layer = BuildsKerasLayersInCall()
    layer(tf.ones([2, 4]))
    optimizer = keras.optimizers.Adam(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(tf.ones([2, 4])))
    optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_weights),
                                  layer.trainable_weights))
    assert all("/" not in v.name for v in optimizer.variables)
    assert tf1track_core.tf1_variables(layer)["tf1/scale"].numpy() < 2.0  # it trained
