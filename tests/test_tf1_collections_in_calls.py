"""TF1 graph collections and globals inside tracked calls, scoped to owner and call."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework import ops
from tensorflow.python.layers import core as bundled_core_layers
from tensorflow.python.layers import normalization as bundled_normalization_layers

import tf1track_core
from tf1track_core import tf1_name, track_tf1_style_variables

v1 = tf.compat.v1
GraphKeys = v1.GraphKeys


class Recorder(keras.layers.Layer):
    """A tracked Keras layer running `fn(self, inputs)` and keeping what it returns."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self._fn = fn
        self.seen = []

    @track_tf1_style_variables
    def call(self, inputs, training=None):
        result = self._fn(self, inputs)
        self.seen.append(result)
        return inputs


def names(variables):
    return [v.name for v in variables]


def test_variable_collections_hold_the_owner_variables_from_the_first_call_on():
    def fn(layer, x):
        with v1.variable_scope("block"):
            v1.get_variable("w", [2, 2])
            v1.get_variable("moving", [2], trainable=False)
            v1.get_variable("model_w", [2], collections=[GraphKeys.GLOBAL_VARIABLES,
                                                         GraphKeys.MODEL_VARIABLES])
            v1.get_local_variable("count", [], initializer=v1.zeros_initializer())
        return {"trainable": names(v1.trainable_variables()),
                "global": names(v1.global_variables()),
                "model": names(v1.model_variables()),
                "local": names(v1.local_variables()),
                "scoped": names(v1.global_variables(scope="block/m"))}

    layer = Recorder(fn)
    layer(tf.ones([1, 2]))
    layer(tf.ones([1, 2]))
    expected = {"trainable": ["block/w:0", "block/model_w:0"],
                "global": ["block/w:0", "block/moving:0", "block/model_w:0"],
                "model": ["block/model_w:0"],
                "local": ["block/count:0"],
                "scoped": ["block/moving:0", "block/model_w:0"]}
    assert layer.seen[0] == expected
    assert layer.seen[1] == expected  # created once; a later call sees them all again
    # Nothing stays behind in the (global, eager) graph after the calls.
    assert v1.global_variables() == [] and v1.trainable_variables() == []


def test_collections_do_not_leak_from_one_layer_to_another():
    first = Recorder(lambda layer, x: v1.get_variable("only_first", [1]) and
                     v1.add_to_collection("my_outputs", x))
    second = Recorder(lambda layer, x: (names(v1.global_variables()),
                                        v1.get_collection("my_outputs")))
    first(tf.ones([1, 1]))
    second(tf.ones([1, 1]))
    assert second.seen == [([], [])]
    assert v1.get_collection("my_outputs") == []


def test_a_nested_tracked_layer_shares_the_outer_call_collections():
    inner = Recorder(lambda layer, x: v1.get_variable("inner_w", [1]))

    def outer_fn(layer, x):
        v1.get_variable("outer_w", [1])
        inner(x)
        return names(v1.global_variables())

    outer = Recorder(outer_fn)
    outer(tf.ones([1, 1]))
    outer(tf.ones([1, 1]))
    assert outer.seen[0] == ["outer_w:0", "inner_w:0"]
    assert outer.seen[1] == ["outer_w:0", "inner_w:0"]


@pytest.mark.parametrize("use_tf_function", [False, True])
def test_regularization_losses_are_the_current_values_in_every_call(use_tf_function):
    def fn(layer, x):
        kernel = v1.get_variable("kernel", [2, 2], initializer=v1.ones_initializer(),
                                 regularizer=lambda w: tf.reduce_sum(w) * 0.5)
        v1.losses.add_loss(tf.constant(10.0), loss_collection=GraphKeys.REGULARIZATION_LOSSES)
        return (v1.losses.get_regularization_losses(), v1.losses.get_regularization_loss(),
                tf.matmul(x, kernel))

    layer = Recorder(fn)
    call = tf.function(layer) if use_tf_function else layer
    call(tf.ones([1, 2]))
    losses, total, _ = layer.seen[-1]
    if not use_tf_function:
        assert [float(loss) for loss in losses] == [2.0, 10.0]
        assert float(total) == 12.0
    layer.weights[0].assign(tf.fill([2, 2], 2.0))
    call(tf.ones([1, 2]))
    if not use_tf_function:
        losses, total, _ = layer.seen[-1]
        assert [float(loss) for loss in losses] == [4.0, 10.0]
        assert float(total) == 14.0
    assert [float(loss) for loss in layer.losses] == [4.0]


def test_regularizers_from_tensorflows_bundled_legacy_layers_reach_layer_losses():
    # TF-Slim builds on these; they hand regularizers over through add_regularizer.
    def fn(layer, x):
        return bundled_core_layers.dense(
            x, 3, kernel_initializer=v1.ones_initializer(),
            kernel_regularizer=lambda w: tf.reduce_sum(w), name="fc")

    layer = Recorder(fn)
    layer(tf.ones([1, 2]))
    layer(tf.ones([1, 2]))  # a new layer object each call: still one loss
    assert [tf1_name(w) for w in layer.weights] == ["fc/kernel", "fc/bias"]
    assert [float(loss) for loss in layer.losses] == [6.0]
    assert [float(loss) for loss in tf1track_core.regularization_losses(layer)] == [6.0]


def _moving_mean_after_one_call(layer_fn, use_tf_function, control_dependencies):
    def fn(layer, x):
        outputs = layer_fn(x)
        update_ops = v1.get_collection(GraphKeys.UPDATE_OPS)
        if control_dependencies:
            with tf.control_dependencies(update_ops):
                outputs = tf.identity(outputs)
        return len(update_ops), outputs

    layer = Recorder(fn)
    call = tf.function(layer) if use_tf_function else layer
    call(tf.constant([[1.0, 2.0], [3.0, 6.0]]), training=True)
    moving_mean = [w for w in layer.weights if tf1_name(w).endswith("moving_mean")][0]
    return layer.seen[-1][0], moving_mean.numpy()


@pytest.mark.parametrize("use_tf_function", [False, True])
@pytest.mark.parametrize("control_dependencies", [False, True])
@pytest.mark.parametrize("kind", ["tf1track", "bundled"])
def test_batch_norm_statistics_move_once_per_training_call(kind, use_tf_function,
                                                           control_dependencies):
    module = tf1track_core.layers if kind == "tf1track" else bundled_normalization_layers
    count, moving_mean = _moving_mean_after_one_call(
        lambda x: module.batch_normalization(x, momentum=0.5, training=True),
        use_tf_function, control_dependencies)
    assert count >= 1  # TF1 code finds the updates in UPDATE_OPS
    # One update: 0.5 * 0 + 0.5 * batch mean.
    np.testing.assert_allclose(moving_mean, [1.0, 2.0], rtol=1e-6)


@pytest.mark.parametrize("use_tf_function", [False, True])
def test_global_step_is_created_once_and_found_again(use_tf_function):
    def fn(layer, x):
        step = v1.train.get_or_create_global_step()
        return step, v1.train.get_global_step()

    layer = Recorder(fn)
    call = tf.function(layer) if use_tf_function else layer
    call(tf.ones([1, 1]))
    call(tf.ones([1, 1]))
    created, found = layer.seen[0]
    assert found is created or use_tf_function
    assert [tf1_name(w) for w in layer.weights] == ["global_step"]
    assert layer.weights[0].dtype == "int64" and not layer.weights[0].trainable
    assert v1.get_collection(GraphKeys.GLOBAL_STEP) == []


def test_identity_membership_in_collections_as_tf1():
    def fn(layer, x):
        w = v1.get_variable("w", [3])
        other = tf.Variable(tf.zeros([3]), name="other")
        collection = v1.get_collection(GraphKeys.GLOBAL_VARIABLES)
        return (w in collection, other not in v1.get_collection(GraphKeys.MODEL_VARIABLES),
                collection.index(w))

    layer = Recorder(fn)
    layer(tf.ones([1, 3]))
    assert layer.seen[0] == (True, True, 0)


def test_set_initializer_on_the_root_scope_stays_in_its_layer():
    def sets_ones(layer, x):
        v1.get_variable_scope().set_initializer(v1.ones_initializer())
        return v1.get_variable("a", [4])

    def uses_default(layer, x):
        return v1.get_variable("b", [4])

    Recorder(sets_ones)(tf.ones([1, 1]))
    other = Recorder(uses_default)
    other(tf.ones([1, 1]))
    assert not np.allclose(other.weights[0].numpy(), 1.0)
    assert v1.get_variable_scope().initializer is None


@pytest.mark.parametrize("initializer", [
    np.array([1.0, 2.0], np.float32), 3.0, [1, 2], lambda: tf.constant([5.0, 6.0])])
def test_constant_initializers_on_a_first_call_inside_tf_function(initializer):
    def fn(layer, x):
        value = initializer() if callable(initializer) else initializer
        return v1.get_variable("c", initializer=value)

    layer = Recorder(fn)
    tf.function(layer)(tf.ones([1, 1]))
    expected = initializer() if callable(initializer) else initializer
    np.testing.assert_array_equal(layer.weights[0].numpy(), np.asarray(expected))


@pytest.mark.parametrize("use_tf_function", [False, True])
def test_raw_variables_are_created_once_named_as_tf1_and_tracked(use_tf_function):
    def fn(layer, x):
        with v1.variable_scope("scope"):
            counter = v1.Variable(0.0, name="counter", trainable=False)
            unnamed = tf.Variable(np.ones([2], np.float32))
            twice = [v1.Variable(1.0, name="twin") for _ in range(2)]
        counter.assign_add(1.0)
        return counter, unnamed, twice

    layer = Recorder(fn)
    call = tf.function(layer) if use_tf_function else layer
    for _ in range(3):
        call(tf.ones([1, 1]))
    assert list(tf1track_core.tf1_variables(layer)) == [
        "scope/counter", "scope/Variable", "scope/twin", "scope/twin_1"]
    assert [w.name for w in layer.non_trainable_weights] == ["scope/counter:0"]
    assert float(layer.non_trainable_weights[0].numpy()) == 3.0


def test_eager_name_scope_yields_its_name_to_tf1_library_code():
    def fn(layer, x):
        with ops.name_scope(None, "MaxPool2D", [x]) as scope:
            return scope

    layer = Recorder(fn)
    layer(tf.ones([1, 1]))
    assert layer.seen[0].endswith("MaxPool2D/")


def test_a_raw_variable_of_a_nested_tracked_layer_is_tracked_once():
    outer = Recorder(lambda layer, x: layer.inner(x))
    outer.inner = Recorder(lambda layer, x: v1.Variable(1.0, name="counter"))
    outer(tf.ones([1, 1]))
    outer(tf.ones([1, 1]))
    # Once, through the inner layer (not again as a raw variable of the outer one).
    assert [tf1_name(w) for w in outer.weights] == ["counter"]
    assert len(outer.trainable_weights) == 1 and len(outer.inner.weights) == 1


def test_scoped_reads_find_eager_losses_by_their_name_scope():
    def fn(layer, x):
        with v1.variable_scope("tower"):
            v1.get_variable("w", [2], initializer=v1.ones_initializer(),
                            regularizer=lambda w: tf.reduce_sum(w))
        with tf.name_scope("head"):
            v1.losses.add_loss(tf.constant(5.0))
        return (v1.losses.get_regularization_losses(scope="tower"),
                v1.losses.get_regularization_losses(scope=""),
                v1.losses.get_regularization_losses(scope="other"),
                v1.losses.get_losses(scope="head"))

    layer = Recorder(fn)
    layer(tf.ones([1, 1]))
    tower, everything, other, head = layer.seen[0]
    assert [float(t) for t in tower] == [2.0] and [float(t) for t in everything] == [2.0]
    assert other == [] and [float(t) for t in head] == [5.0]


def test_later_calls_see_nested_variables_before_the_nested_call():
    inner = Recorder(lambda layer, x: v1.get_variable("inner_w", [1]))

    def outer_fn(layer, x):
        seen = names(v1.global_variables())  # before calling the inner layer
        v1.get_variable("outer_w", [1])
        inner(x)
        return seen

    outer = Recorder(outer_fn)
    outer(tf.ones([1, 1]))
    outer(tf.ones([1, 1]))
    assert outer.seen == [[], ["outer_w:0", "inner_w:0"]]


def test_contrib_layers_outside_tracked_calls_leave_the_global_graph_alone():
    from tf1track_core.contrib import layers as contrib_layers  # pylint: disable=import-outside-toplevel
    contrib_layers.batch_norm(tf.ones([2, 3]), is_training=True, updates_collections="mine",
                              outputs_collections="ends")
    assert v1.get_collection("mine") == [] and v1.get_collection("ends") == []
