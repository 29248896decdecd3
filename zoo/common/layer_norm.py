"""Layer normalization over the last axis, under either upstream's variable names.

tensor2tensor: `layer_norm/layer_norm_scale`, `layer_norm/layer_norm_bias`,
epsilon from `norm_epsilon` (1e-6). BERT (TF 1.15's contrib `layer_norm`):
`LayerNorm/gamma`, `LayerNorm/beta`, epsilon 1e-12. Both normalize
`(x - mean) / sqrt(variance + epsilon)` with the biased variance.
"""

import tensorflow as tf

v1 = tf.compat.v1


def normalize(x, scale, bias, epsilon):
    """`(x - mean) * rsqrt(var + epsilon) * scale + bias` over the last axis."""
    mean = tf.reduce_mean(x, axis=[-1], keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + epsilon) * scale + bias


def t2t_layer_norm(x, epsilon=1e-6, name=None):
    """tensor2tensor's `common_layers.layer_norm` (scope default name `layer_norm`)."""
    depth = x.shape[-1]
    with v1.variable_scope(name, default_name="layer_norm"):
        scale = v1.get_variable("layer_norm_scale", [depth], initializer=v1.ones_initializer())
        bias = v1.get_variable("layer_norm_bias", [depth], initializer=v1.zeros_initializer())
        return normalize(x, scale, bias, epsilon)


def bert_layer_norm(x, name=None):
    """BERT's `modeling.layer_norm` (contrib `layer_norm` on the last axis, scope `LayerNorm`)."""
    depth = x.shape[-1]
    with v1.variable_scope(name, default_name="LayerNorm"):
        beta = v1.get_variable("beta", [depth], initializer=v1.zeros_initializer())
        gamma = v1.get_variable("gamma", [depth], initializer=v1.ones_initializer())
        return normalize(x, gamma, beta, 1e-12)
