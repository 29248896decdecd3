"""Real TF-Slim 1.1.0 nets, unmodified, inside tracked Keras 3 layers after `install()`.

The natural order: `tf1track_core.install()` first, then `import tf_slim`. Each
net is checked against the same slim code built in a plain TF1 graph (names
and shapes), for reuse (no variable created after the first call), slim's
weight decay in `layer.losses`, batch-norm statistics moving once per training
call, eager and in tf.function; resnet_v1_50 also against the zoo's own port
with the same weights. tf-slim 1.1.0 has no mobilenet_v1 (it lives in
tensorflow/models' research/slim), so it is not among them.
"""

import functools
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core

tf1track_core.install()
import tf_slim as slim  # noqa: E402  (after install(), as users do)
from tf_slim.nets import inception_v1, resnet_v1, resnet_v2, vgg  # noqa: E402

import zoo  # noqa: E402
from slow_marks import slow_beyond  # noqa: E402
from tf1track_core import tf1_name, tf1_variables  # noqa: E402

v1 = tf.compat.v1
WEIGHT_DECAY = 1e-3

NETS = {
    # name: (net function, arg scope, input size, net kwargs)
    "resnet_v1_50": (resnet_v1.resnet_v1_50, resnet_v1.resnet_arg_scope, 64, {}),
    "resnet_v2_50": (resnet_v2.resnet_v2_50, resnet_v2.resnet_arg_scope, 64, {}),
    "inception_v1": (inception_v1.inception_v1, inception_v1.inception_v1_arg_scope, 224, {}),
    "vgg_16": (vgg.vgg_16, vgg.vgg_arg_scope, 224, {}),
}


class SlimNet(keras.layers.Layer):
    """A tracked Keras 3 layer running a TF-Slim net as TF1 code would."""

    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.net_name = name
        self.seen = {}

    @tf.compat.v1.keras.utils.track_tf1_style_variables
    def call(self, images, training=False):
        net_fn, arg_scope, _, net_kwargs = NETS[self.net_name]
        with slim.arg_scope(arg_scope(weight_decay=WEIGHT_DECAY)):
            logits, end_points = net_fn(images, num_classes=10, is_training=training,
                                        **net_kwargs)
        update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        # The TF1 training idiom: outputs depend on the batch-norm updates.
        with tf.control_dependencies(update_ops):
            logits = tf.identity(logits)
        self.seen = {"updates": len(update_ops),
                     "regularization": len(v1.losses.get_regularization_losses()),
                     "end_points": sorted(end_points)}
        return logits


def tf1_graph_variables(name):
    """`{name: (shape, trainable)}` of the net built by the same slim code in a TF1 graph."""
    net_fn, arg_scope, size, net_kwargs = NETS[name]
    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, [1, size, size, 3])
        with slim.arg_scope(arg_scope(weight_decay=WEIGHT_DECAY)):
            net_fn(images, num_classes=10, is_training=True, **net_kwargs)
        trainable = {v.op.name for v in v1.trainable_variables()}
        regularized = len(v1.losses.get_regularization_losses())
        return {v.op.name: (tuple(v.shape.as_list()), v.op.name in trainable)
                for v in v1.global_variables()}, regularized


def images(name, batch=2, seed=0):
    size = NETS[name][2]
    return tf.constant(np.random.default_rng(seed).normal(size=[batch, size, size, 3])
                       .astype(np.float32))


@pytest.fixture(scope="module")
def graph_builds():
    """The TF1 graph builds, each made the first time a test asks for it."""
    return functools.cache(tf1_graph_variables)


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", slow_beyond(1, list(NETS)))
def test_slim_net_in_a_tracked_layer_has_slims_names_losses_and_reuse(name, use_function,
                                                                       graph_builds):
    layer = SlimNet(name)
    call = tf.function(layer) if use_function else layer
    x = images(name, batch=1)
    call(x, training=True)
    expected, regularized = graph_builds(name)
    found = {tf1_name(w): (tuple(w.shape), w.trainable) for w in layer.weights}
    assert found == expected
    assert layer.weights[0].name == list(tf1_variables(layer))[0] + ":0"

    def no_new_variables(next_creator, **kwargs):
        raise AssertionError(f"variable created on a later call: {kwargs.get('name')}")

    with tf.variable_creator_scope(no_new_variables):
        call(x, training=False)
    assert len(layer.weights) == len(expected)

    # slim's weight decay: one L2 loss per regularized weight, once, current values.
    assert len(layer.losses) == regularized == layer.seen["regularization"]
    weights = [w for w in layer.weights if tf1_name(w).endswith("/weights")]
    expected_decay = sum(WEIGHT_DECAY * tf.nn.l2_loss(w) for w in weights)
    np.testing.assert_allclose(float(tf.add_n(layer.losses)), float(expected_decay), rtol=1e-5)


@pytest.mark.parametrize("name", slow_beyond(1, ["resnet_v1_50", "resnet_v2_50", "inception_v1"]))
def test_batch_norm_statistics_move_once_per_training_call(name):
    x = images(name)
    eager, traced = SlimNet(name), SlimNet(name)
    eager(x, training=False)
    traced(x, training=False)
    for source, target in zip(eager.weights, traced.weights):
        target.assign(source)
    moving = [i for i, w in enumerate(eager.weights) if "moving_" in tf1_name(w)]
    before = [eager.weights[i].numpy() for i in moving]
    eager(x, training=True)
    tf.function(traced)(x, training=True)
    assert eager.seen["updates"] == traced.seen["updates"] == len(moving)
    changed = 0
    for i, old in zip(moving, before):
        np.testing.assert_allclose(traced.weights[i].numpy(), eager.weights[i].numpy(),
                                   rtol=1e-4, atol=1e-5, err_msg=tf1_name(eager.weights[i]))
        changed += not np.allclose(eager.weights[i].numpy(), old)
    assert changed == len(moving)
    eager(x, training=False)  # inference leaves the statistics alone
    np.testing.assert_array_equal(eager.weights[moving[0]].numpy(),
                                  traced.weights[moving[0]].numpy())


@pytest.mark.parametrize("training", [False, True])
def test_slim_resnet_v1_50_computes_what_the_zoo_port_computes(training):
    x = images("resnet_v1_50")
    upstream = SlimNet("resnet_v1_50")
    upstream(x)
    port = zoo.build("resnet_v1_50", num_classes=10, spatial_squeeze=False,
                     weight_decay=WEIGHT_DECAY)
    port(x)
    by_name = {tf1_name(w): w for w in port.weights}
    assert sorted(by_name) == sorted(tf1_name(w) for w in upstream.weights)
    for w in upstream.weights:
        by_name[tf1_name(w)].assign(w)
    np.testing.assert_allclose(port(x, training=training).numpy(),
                               upstream(x, training=training).numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(float(tf.add_n(port.losses)), float(tf.add_n(upstream.losses)),
                               rtol=1e-5)


def test_slim_runs_when_tf_keras_is_not_installed():
    # The suite's environment has tf-keras (a test extra); hide it from a fresh process.
    script = textwrap.dedent("""
        import sys
        sys.modules["tf_keras"] = None  # as if tf-keras were not installed
        import tf1track_core
        tf1track_core.install()
        import keras, tensorflow as tf, tf_slim as slim
        from tf_slim.nets import resnet_v2

        class Net(keras.layers.Layer):
            @tf.compat.v1.keras.utils.track_tf1_style_variables
            def call(self, x, training=False):
                with slim.arg_scope(resnet_v2.resnet_arg_scope()):
                    return resnet_v2.resnet_v2_50(x, 10, is_training=training)[0]

        net = Net()
        x = tf.ones([1, 64, 64, 3])
        net(x, training=True)
        tf.function(net)(x, training=True)
        print(len(net.weights), net.weights[0].name, len(net.losses))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-3:] == ["272", "resnet_v2_50/conv1/weights:0", "54"]
