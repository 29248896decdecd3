"""TF1 layer semantics beyond single-call numerics: names, reuse, training, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from tracked_runner import Runner
from tf1track_core import layers as tf1_layers
from tf1track_core import tf1_variables, track_tf1_style_variables

v1 = tf.compat.v1


def test_unnamed_layers_are_uniquified_per_scope_and_stable_across_calls():
    def fn(x):
        with v1.variable_scope("tower"):
            x = tf1_layers.dense(x, 3)
            x = tf1_layers.dense(x, 3)
            x = tf1_layers.max_pooling1d(tf.expand_dims(x, -1), 1, 1)  # no variables
        return tf1_layers.dense(tf1_layers.flatten(x), 2)

    runner = Runner(fn)
    for _ in range(3):
        runner(tf.ones([1, 4]))
    assert list(tf1_variables(runner)) == [
        "tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias",
        "dense/kernel", "dense/bias"]


def test_named_functional_layers_share_with_reuse_and_auto_reuse():
    def fn(x):
        a = tf1_layers.dense(x, 2, name="proj")
        b = tf1_layers.dense(x, 2, name="proj", reuse=True)
        with v1.variable_scope("shared", reuse=v1.AUTO_REUSE):
            c = tf1_layers.dense(x, 2, name="proj")
            d = tf1_layers.dense(x, 2, name="proj")
        return a, b, c, d

    runner = Runner(fn)
    a, b, c, d = runner(tf.ones([1, 3]))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(c.numpy(), d.numpy())
    assert list(tf1_variables(runner)) == ["proj/kernel", "proj/bias", "shared/proj/kernel",
                                           "shared/proj/bias"]


def test_reuse_true_for_a_layer_that_was_never_built_names_the_variable():
    with pytest.raises(ValueError, match="missing/kernel does not exist"):
        Runner(lambda x: tf1_layers.dense(x, 2, name="missing", reuse=True))(tf.ones([1, 3]))


def test_class_form_object_reuses_its_variables_even_outside_tracked_code():
    layer = tf1_layers.Dense(4, name="plain")
    x = tf.ones([2, 3])
    first = layer(x)
    second = layer(x)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert [v.name for v in layer.weights] == ["plain/kernel:0", "plain/bias:0"]
    assert layer.scope_name == "plain"


def test_class_form_called_twice_in_tracked_code_shares_its_scope():
    dense = tf1_layers.Dense(3)

    def fn(x):
        return dense(dense(x))

    runner = Runner(fn)
    runner(tf.ones([2, 3]))
    assert list(tf1_variables(runner)) == ["dense/kernel", "dense/bias"]


def test_scope_initializer_applies_to_kernels_not_biases():
    def fn(x):
        with v1.variable_scope("init", initializer=v1.constant_initializer(0.5)):
            return tf1_layers.dense(x, 2)

    out = Runner(fn)(tf.ones([1, 4]))
    np.testing.assert_allclose(out.numpy(), [[2.0, 2.0]])  # 4 * 0.5, zero bias


def test_different_input_depth_on_a_later_call_names_the_variable():
    runner = Runner(lambda x: tf1_layers.dense(x, 2, name="d"))
    runner(tf.ones([1, 3]))
    with pytest.raises(ValueError, match=r"share variable d/kernel, but specified shape \(5, 2\)"):
        runner(tf.ones([1, 5]))


def test_dropout_honours_training_rate_and_seed():
    x = tf.ones([200, 50])
    np.testing.assert_array_equal(tf1_layers.dropout(x, 0.4).numpy(), x.numpy())  # TF1 default
    np.testing.assert_array_equal(tf1_layers.dropout(x, 0.4, training=False).numpy(), x.numpy())
    dropped = tf1_layers.dropout(x, 0.4, training=True, seed=3).numpy()
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], 1 / 0.6, rtol=1e-6)
    assert abs(1 - kept.mean() - 0.4) < 0.02
    tf.random.set_seed(7)
    first = tf1_layers.dropout(x, 0.4, training=True, seed=3).numpy()
    tf.random.set_seed(7)
    second = tf1_layers.dropout(x, 0.4, training=True, seed=3).numpy()
    np.testing.assert_array_equal(first, second)
    runtime = tf1_layers.Dropout(0.4)
    np.testing.assert_array_equal(runtime(x, training=tf.constant(False)).numpy(), x.numpy())
    assert (runtime(x, training=tf.constant(True)).numpy() == 0).any()
    shared = tf1_layers.dropout(x, 0.5, noise_shape=[None, 1], training=True).numpy()
    assert all(len(set(row)) == 1 for row in shared)  # one mask value per row


@pytest.mark.parametrize("fused", [None, False])
def test_batch_norm_training_updates_inside_tf_function_and_runtime_training_flag(fused):
    def fn(x, training):
        return tf1_layers.batch_normalization(x, momentum=0.5, training=training, fused=fused)

    runner = Runner(fn)
    x = tf.reshape(tf.range(2 * 2 * 2 * 3, dtype=tf.float32), [2, 2, 2, 3])
    call = tf.function(runner)
    call(x, tf.constant(False))
    variables = tf1_variables(runner)
    np.testing.assert_array_equal(variables["batch_normalization/moving_mean"].numpy(), 0.0)
    out = call(x, tf.constant(True))
    batch_mean = x.numpy().reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(variables["batch_normalization/moving_mean"].numpy(),
                               0.5 * batch_mean, rtol=1e-5)
    np.testing.assert_allclose(out.numpy().reshape(-1, 3).mean(axis=0), 0.0, atol=1e-5)
    moving_after_one = variables["batch_normalization/moving_mean"].numpy()
    call(x, tf.constant(False))
    np.testing.assert_array_equal(variables["batch_normalization/moving_mean"].numpy(),
                                  moving_after_one)


def test_batch_norm_moving_statistics_are_non_trainable_and_fit_updates_them():
    class ConvBN(keras.layers.Layer):
        @track_tf1_style_variables
        def call(self, inputs, training=None):
            x = tf1_layers.conv2d(inputs, 4, 3, padding="same")
            return tf1_layers.batch_normalization(x, training=bool(training))

    inputs = keras.Input((6, 6, 2))
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(ConvBN()(inputs)))
    names = [tf1track_core.tf1_name(w) for w in model.non_trainable_weights]
    assert names == ["batch_normalization/moving_mean", "batch_normalization/moving_variance"]
    model.compile(optimizer="sgd", loss="mse")
    moving = tf1_variables(model)["batch_normalization/moving_mean"]
    assert np.allclose(moving.numpy(), 0.0)
    rng = np.random.default_rng(1)
    model.fit(rng.normal(size=(8, 6, 6, 2)).astype("float32") + 3.0,
              np.zeros((8, 4), "float32"), epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(moving.numpy(), 0.0)


def test_channels_first_pooling_and_conv_agree_with_channels_last():
    rng = np.random.default_rng(0)
    x_last = tf.constant(rng.normal(size=(2, 6, 6, 3)).astype("float32"))
    x_first = tf.transpose(x_last, [0, 3, 1, 2])
    for pool in (tf1_layers.max_pooling2d, tf1_layers.average_pooling2d):
        last = pool(x_last, 2, 2)
        first = pool(x_first, 2, 2, data_format="channels_first")
        np.testing.assert_allclose(tf.transpose(first, [0, 2, 3, 1]).numpy(), last.numpy(),
                                   rtol=1e-6)


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        tf1_layers.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="data_format must be"):
        tf1_layers.Conv2D(2, 3, data_format="nhwc")
    with pytest.raises(ValueError, match="kernel_size"):
        tf1_layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="`virtual_batch_size` must be a positive integer"):
        tf1_layers.BatchNormalization(virtual_batch_size=0)
    with pytest.raises(ValueError, match="When using `virtual_batch_size`, adjustment cannot"):
        tf1_layers.BatchNormalization(virtual_batch_size=2, adjustment=lambda s: (1.0, 0.0))
    with pytest.raises(ValueError, match="last dimension of the inputs to Dense must be defined"):
        tf.function(lambda x: tf1_layers.dense(x, 2)).get_concrete_function(
            tf.TensorSpec([None, None]))


@pytest.mark.parametrize("layer_fn, kwargs", [
    (tf1_layers.conv2d, dict(filters=4, kernel_size=3, strides=2, padding="same")),
    (tf1_layers.conv1d, dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2)),
    (tf1_layers.separable_conv2d, dict(filters=4, kernel_size=3, depth_multiplier=2)),
    (tf1_layers.conv3d, dict(filters=2, kernel_size=2)),
    (tf1_layers.separable_conv1d, dict(filters=4, kernel_size=3, padding="causal",
                                       depth_multiplier=2)),
    (tf1_layers.conv3d_transpose, dict(filters=2, kernel_size=2, strides=2)),
])
def test_channels_first_convolutions_equal_channels_last_on_a_cpu(layer_fn, kwargs):
    """TF's CPU kernels are channels-last only; channels_first runs through them, same numbers."""
    rank = {tf1_layers.conv1d: 1, tf1_layers.separable_conv1d: 1, tf1_layers.conv3d: 3,
            tf1_layers.conv3d_transpose: 3}.get(layer_fn, 2)
    rng = np.random.default_rng(0)
    x_last = tf.constant(rng.normal(size=(2,) + (7,) * rank + (3,)).astype("float32"))
    to_first = [0, rank + 1] + list(range(1, rank + 1))
    to_last = [0] + list(range(2, rank + 2)) + [1]
    last = Runner(lambda x: layer_fn(x, name="conv", **kwargs))
    first = Runner(lambda x: layer_fn(x, name="conv", data_format="channels_first", **kwargs))
    expected = last(x_last)
    first(tf.transpose(x_last, to_first))
    for name, variable in tf1_variables(first).items():
        variable.assign(tf1_variables(last)[name])
    got = first(tf.transpose(x_last, to_first))
    np.testing.assert_allclose(tf.transpose(got, to_last).numpy(), expected.numpy(),
                               rtol=1e-5, atol=1e-5)


def test_official_resnet_channels_first_equals_channels_last():
    import zoo
    images = np.random.default_rng(1).uniform(size=(2, 32, 32, 3)).astype("float32")
    last = zoo.build("official_resnet", resnet_size=18, num_classes=3)
    first = zoo.build("official_resnet", resnet_size=18, num_classes=3,
                      data_format="channels_first")
    last(images, training=False)
    first(images, training=False)
    for name, variable in tf1_variables(first).items():
        variable.assign(tf1_variables(last)[name])
    np.testing.assert_allclose(first(images, training=False).numpy(),
                               last(images, training=False).numpy(), rtol=1e-4, atol=1e-4)
    # Training normalizes by the statistics of a 2-image batch, layer after
    # layer, which amplifies the float32 rounding of the two kernels' different
    # summation orders to ~1e-3 (it varies from run to run with oneDNN's
    # threading); a wrong channel axis would be off by O(1).
    np.testing.assert_allclose(first(images, training=True).numpy(),
                               last(images, training=True).numpy(), rtol=5e-3, atol=5e-3)


def test_input_spec_of_a_custom_tf1_layer_is_enforced():
    class Square(tf1_layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = tf1_layers.InputSpec(min_ndim=2, axes={-1: 3})

        def call(self, inputs):
            return inputs * inputs

    assert Square()(tf.ones([2, 3])).shape == (2, 3)
    with pytest.raises(ValueError, match=r"Input 0 of layer 'square' is incompatible with the "
                                         r"layer: expected min_ndim=2, found ndim=1"):
        Square()(tf.ones([3]))
    with pytest.raises(ValueError, match="expected axis -1 of size 3, found 4"):
        Square()(tf.ones([2, 4]))


@pytest.mark.parametrize("layer_fn, shape", [(tf1_layers.separable_conv1d, [2, 3, 9]),
                                             (tf1_layers.separable_conv2d, [2, 3, 6, 6])])
def test_channels_first_activation_sees_the_channels_first_layout(layer_fn, shape):
    """As in TF1 the activation applies to the output as returned (matters for softmax)."""
    x = tf.constant(np.random.default_rng(0).normal(size=shape).astype("float32"))
    out = Runner(lambda x: layer_fn(x, 4, 3, data_format="channels_first",
                                    activation=tf.nn.softmax))(x)
    np.testing.assert_allclose(tf.reduce_sum(out, -1).numpy(), 1.0, rtol=1e-5)


def test_functional_convolutions_take_tf1_positional_arguments():
    x = tf.constant(np.random.default_rng(0).normal(size=[2, 6, 6, 3]).astype("float32"))
    # conv2d(inputs, filters, kernel_size, strides, padding, data_format, dilation_rate,
    #        activation, use_bias, ...)
    module = Runner(lambda x: tf1_layers.conv2d(x, 4, 3, 2, "same", "channels_last", 1,
                                                tf.nn.relu, False, name="c"))
    out = module(x)
    assert out.shape == (2, 3, 3, 4) and float(tf.reduce_min(out)) >= 0.0
    assert list(tf1_variables(module)) == ["c/kernel"]  # use_bias=False
    with pytest.raises(TypeError, match="got multiple values for argument 'strides'"):
        tf1_layers.conv2d(x, 4, 3, 2, strides=2)


def test_renorm_with_a_run_time_training_flag_matches_the_static_one():
    x = tf.constant(np.random.default_rng(1).normal(size=[8, 4]).astype("float32"))

    def renorm_module():
        return Runner(lambda x, training: tf1_layers.batch_normalization(
            x, renorm=True, renorm_clipping={"rmax": 1.5}, momentum=0.5, renorm_momentum=0.5,
            training=training, name="bn"))

    static, dynamic = renorm_module(), renorm_module()
    run_dynamic = tf.function(lambda x, training: dynamic(x, training))
    for training in (True, True, False):  # twice: the renorm statistics have moved
        expected = static(x, training)
        got = run_dynamic(x, tf.constant(training))
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
        for name, variable in tf1_variables(static).items():
            np.testing.assert_allclose(tf1_variables(dynamic)[name].numpy(), variable.numpy(),
                                       rtol=1e-6, err_msg=name)
    assert not tf1_layers.BatchNormalization(renorm=True, fused=True).fused  # as TF1: unfused
    with pytest.raises(ValueError, match="invalid keys for `renorm_clipping`"):
        tf1_layers.BatchNormalization(renorm=True, renorm_clipping={"r": 1.0})


def test_renorm_in_a_tf1_graph_reads_its_statistics_before_updating_them():
    """Running the outputs with UPDATE_OPS gives what running them alone gives, as in TF1."""
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(np.random.default_rng(2).normal(size=[8, 4]).astype("float32"))
        training = v1.placeholder(tf.bool, [])
        y = tf1_layers.batch_normalization(x * 3.0 + 1.0, renorm=True, renorm_momentum=0.5,
                                           training=training)
        updates = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for _ in range(10):  # the renorm statistics move every round
                alone = session.run(y, {training: True})
                together, _ = session.run([y, updates], {training: True})
                np.testing.assert_array_equal(together, alone)
