"""tensor2tensor's `common_layers` pieces the Transformer uses, with t2t's scopes.

`layer_preprocess`/`layer_postprocess` run a sequence of steps over a
sublayer: `a` add the residual, `z` add it through a zero-initialised gate,
`n` normalize, `d` dropout (t2t's "n" before and "da" after is pre-norm).
"""

import tensorflow as tf

from zoo.common.attention import shape_list
from zoo.common.dense import dense
from zoo.common.layer_norm import t2t_layer_norm

v1 = tf.compat.v1


def parse_broadcast_dims(text):
    """t2t's comma-separated dimension list ("" for none) as a list of ints."""
    return [int(part) for part in str(text or "").split(",") if part.strip()]


def dropout_with_broadcast_dims(x, rate, broadcast_dims=(), training=False):
    """Dropout whose mask is shared along `broadcast_dims` (t2t's memory-saving variant)."""
    if not training or not rate:
        return x
    shape = shape_list(x)
    rank = len(shape)
    dims = {dim + rank if dim < 0 else dim for dim in broadcast_dims}
    noise_shape = [1 if i in dims else shape[i] for i in range(rank)] if dims else None
    return tf.nn.dropout(x, rate=rate, noise_shape=noise_shape)


def dropout_no_scaling(ids, rate, training):
    """Replaces ids by 0 with probability `rate` (t2t's `symbol_dropout`), training only."""
    if not training or not rate:
        return ids
    keep = tf.less(tf.random.uniform(tf.shape(ids)), 1.0 - rate)
    return ids * tf.cast(keep, ids.dtype)


def apply_norm(x, norm_type, epsilon):
    """t2t's `apply_norm` for the norms the Transformer configs use ("layer", "none")."""
    if norm_type == "layer":
        return t2t_layer_norm(x, epsilon=epsilon)
    if norm_type == "none":
        return x
    raise ValueError(f"transformer: norm_type {norm_type!r} is not supported "
                     "(supported: 'layer', 'none').")


def zero_add(previous_value, x):
    """`previous_value + gamma * x` with `gamma` a scalar starting at zero (t2t's "z" step)."""
    with v1.variable_scope(None, default_name="zero_add"):
        gamma = v1.get_variable("gamma", (), initializer=v1.zeros_initializer())
        return previous_value + gamma * x


def layer_prepostprocess(previous_value, x, *, sequence, dropout_rate, norm_type, epsilon,
                         default_name, dropout_broadcast_dims=(), training=False):
    """Runs `sequence` (letters a, z, n, d) over `x` in a `default_name` scope, as t2t."""
    with v1.variable_scope(None, default_name=default_name):
        if sequence == "none":
            return x
        for step in sequence:
            if step == "a":
                x += previous_value
            elif step == "z":
                x = zero_add(previous_value, x)
            elif step == "n":
                x = apply_norm(x, norm_type, epsilon)
            elif step == "d":
                x = dropout_with_broadcast_dims(x, dropout_rate, dropout_broadcast_dims,
                                                training)
            else:
                raise ValueError(f"transformer: unknown layer pre/postprocess step {step!r} "
                                 "(steps are a, z, n, d).")
        return x


def _sublayer_steps(previous_value, x, sequence, default_name, hparams, training):
    return layer_prepostprocess(
        previous_value, x, sequence=sequence, dropout_rate=hparams.layer_prepostprocess_dropout,
        norm_type=hparams.norm_type, epsilon=hparams.norm_epsilon, default_name=default_name,
        dropout_broadcast_dims=parse_broadcast_dims(
            hparams.layer_prepostprocess_dropout_broadcast_dims), training=training)


def layer_preprocess(layer_input, hparams, training):
    """The steps before a sublayer (`layer_preprocess_sequence`), scope `layer_prepostprocess`."""
    return _sublayer_steps(None, layer_input, hparams.layer_preprocess_sequence,
                           "layer_prepostprocess", hparams, training)


def layer_postprocess(layer_input, layer_output, hparams, training):
    """The steps after a sublayer (`layer_postprocess_sequence`), scope `layer_postprocess`."""
    return _sublayer_steps(layer_input, layer_output, hparams.layer_postprocess_sequence,
                           "layer_postprocess", hparams, training)


def dense_relu_dense(inputs, filter_size, output_size, *, dropout, dropout_broadcast_dims=(),
                     training=False):
    """t2t's position-wise feed-forward: `conv1` (ReLU), dropout, `conv2` (dense layers)."""
    hidden = dense(inputs, filter_size, name="conv1", activation=tf.nn.relu)
    hidden = dropout_with_broadcast_dims(hidden, dropout, dropout_broadcast_dims, training)
    return dense(hidden, output_size, name="conv2")


def shift_right_3d(x):
    """Shifts `[batch, length, depth]` one step right along length, zeros first."""
    return tf.pad(x, [[0, 0], [1, 0], [0, 0]])[:, :-1, :]


def embedding(ids, vocab_size, dense_size, name):
    """t2t's `common_layers.embedding`: a `name/kernel [vocab, dense]` table, gathered."""
    with v1.variable_scope(name):
        table = v1.get_variable("kernel", [vocab_size, dense_size])
        return tf.gather(table, ids)
