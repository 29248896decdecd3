"""Parity with TF1 itself: one forward function, TF core's graph-mode store vs tf1track.

The function is built once in a `tf.Graph` and run in a `tf.compat.v1.Session`
(TensorFlow's own TF1 `get_variable`, collections and all), and once inside a
tracked Keras layer in eager mode. Names, shapes, outputs and regularization
losses must be identical. Initializers are deterministic functions of the
variable's shape and of TF1's `partition_info`, so both sides hold equal values.
"""

import keras
import numpy as np
import tensorflow as tf

import tf1track_core

v1 = tf.compat.v1


def name_seeded_initializer(shape, dtype=tf.float32, partition_info=None):
    """Values fixed by the full shape; a partition gets its slice of them."""
    full_shape = list(shape) if partition_info is None else list(partition_info.full_shape)
    rng = np.random.default_rng(abs(hash(tuple(full_shape))) % (2 ** 32))
    values = rng.normal(size=full_shape).astype(np.float32)
    if partition_info is not None:
        offset = partition_info.var_offset
        values = values[tuple(slice(o, o + s) for o, s in zip(offset, shape))]
    return tf.constant(values, dtype=dtype)


def forward(inputs, ids):
    """TF1 model code touching the store's features one after another."""
    l2 = lambda w: 0.01 * tf.reduce_sum(tf.square(w))  # noqa: E731
    with v1.variable_scope("model", initializer=name_seeded_initializer, regularizer=l2):
        with v1.variable_scope("embedding", partitioner=v1.fixed_size_partitioner(3)):
            table = v1.get_variable("table", [7, 4])
        x = tf.concat([inputs, tf.nn.embedding_lookup(table, ids)], axis=-1)
        for units in (6, 5):
            with v1.variable_scope(None, default_name="layer"):
                kernel = v1.get_variable("kernel", [x.shape[-1], units])
                bias = v1.get_variable("bias", [units], initializer=v1.constant_initializer(0.25),
                                       regularizer=None)
                x = tf.tanh(tf.matmul(x, kernel) + bias)
        for _ in range(2):  # the same shared projection applied twice
            with v1.variable_scope("shared", reuse=v1.AUTO_REUSE):
                x = x + tf.matmul(x, v1.get_variable("proj", [5, 5]))
        with v1.variable_scope("head"):
            scale = v1.get_variable("scale", initializer=np.float32(1.5))
            # A regularizer returning None is dropped, as TF1 does.
            steps = v1.get_variable("steps", [], dtype=tf.int32, trainable=False,
                                    initializer=v1.zeros_initializer(),
                                    regularizer=lambda w: None)
            logits = scale * tf.reduce_sum(x, axis=-1) + tf.cast(steps, tf.float32)
    return logits


INPUTS = np.linspace(-1.0, 1.0, 3 * 4, dtype=np.float32).reshape(3, 4)
IDS = np.array([0, 6, 3], dtype=np.int32)


def run_in_tf1_graph():
    """TensorFlow's own graph-mode TF1 build: names, shapes, outputs, losses."""
    graph = tf.Graph()
    with graph.as_default():
        logits = forward(tf.constant(INPUTS), tf.constant(IDS))
        losses = v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES)
        variables = v1.global_variables()
        trainable = [v.op.name for v in v1.trainable_variables()]
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            outputs, loss_values = session.run([logits, losses])
    return {
        "names": [v.op.name for v in variables],
        "shapes": [tuple(v.shape.as_list()) for v in variables],
        "trainable": trainable,
        "outputs": outputs,
        "losses": loss_values,
    }


class TrackedForward(keras.layers.Layer):
    @tf1track_core.track_tf1_style_variables
    def call(self, inputs, ids):
        return forward(inputs, ids)


def test_names_shapes_outputs_and_losses_equal_tf1_graph_mode():
    expected = run_in_tf1_graph()
    layer = TrackedForward()
    outputs = [layer(tf.constant(INPUTS), tf.constant(IDS)) for _ in range(2)]
    variables = tf1track_core.tf1_variables(layer)

    assert list(variables) == expected["names"]
    assert [tuple(v.shape) for v in variables.values()] == expected["shapes"]
    assert [tf1track_core.tf1_name(w) for w in layer.trainable_weights] == expected["trainable"]
    for output in outputs:
        np.testing.assert_allclose(output.numpy(), expected["outputs"], rtol=1e-6, atol=1e-6)
    losses = [float(loss) for loss in tf1track_core.regularization_losses(layer)]
    np.testing.assert_allclose(losses, expected["losses"], rtol=1e-6)
    np.testing.assert_allclose(sorted(float(x) for x in layer.losses),
                               sorted(expected["losses"]), rtol=1e-6)
