"""Writing small TF1 checkpoints for tests with TensorFlow's own TF1 `Saver`."""

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1


def write_tf1_checkpoint(prefix, values, partitions=None):
    """Saves `{name: array}` as a TF1 graph would, with `tf.compat.v1.train.Saver`.

    `partitions` maps a name to a partition count: that variable is created
    partitioned in the graph, so the checkpoint stores it the TF1 way (one
    full tensor assembled from slices). Returns the prefix.
    """
    partitions = partitions or {}
    graph = tf.Graph()
    with graph.as_default():
        for name, value in values.items():
            value = np.asarray(value)
            if name in partitions:
                v1.get_variable(name, shape=value.shape, initializer=value,
                                partitioner=v1.fixed_size_partitioner(partitions[name]))
            else:
                v1.get_variable(name, initializer=value)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return saver.save(session, str(prefix), write_meta_graph=False)
