"""Slim layers on tf1track's TF1 layers: the same scopes and variable names as TF-Slim.

`conv2d` names its variables `weights` and `biases` (slim renamed the core
layer's `kernel`/`bias`) in `variable_scope(scope, "Conv")`, applies an
optional `normalizer_fn` (its `BatchNorm` scope inside the conv's) and then
`activation_fn`. `batch_norm` is TF1's core batch-norm layer in
`variable_scope(scope, "BatchNorm")`, as slim used it with the default
update collections.
"""

import tensorflow as tf

from tf1track_core import layers as tf1_layers
from zoo.slim.arg_scope import add_arg_scope

v1 = tf.compat.v1

_SLIM_NAMES = {"kernel": "weights", "bias": "biases"}


def _slim_names(getter, name, *args, **kwargs):
    """Custom getter renaming the core layers' kernel/bias to slim's weights/biases."""
    head, _, short = name.rpartition("/")
    if short in _SLIM_NAMES:
        name = f"{head}/{_SLIM_NAMES[short]}" if head else _SLIM_NAMES[short]
    return getter(name, *args, **kwargs)


def collect_named_outputs(collection, alias, outputs):
    """Records `outputs` under `alias` in an end-points dict (slim's collections)."""
    if collection is not None:
        collection[alias] = outputs
    return outputs


def l2_regularizer(scale):
    """Slim's L2 regularizer: `scale * sum(w ** 2) / 2`; None for a zero scale."""
    if scale == 0.0:
        return lambda _: None
    return lambda weights: tf.multiply(scale, tf.nn.l2_loss(weights), name="l2_regularizer")


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None,
               updates_collections=v1.GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               trainable=True, fused=None, data_format="NHWC", scope=None,
               outputs_collections=None):
    """Slim `batch_norm` (TF1's core layer path: default update collections)."""
    del updates_collections  # updates run at once in eager / tf.function
    initializers = param_initializers or {}
    regularizers = param_regularizers or {}
    with v1.variable_scope(scope, "BatchNorm", [inputs], reuse=reuse) as sc:
        layer = tf1_layers.BatchNormalization(
            axis=1 if data_format == "NCHW" else -1, momentum=decay, epsilon=epsilon,
            center=center, scale=scale,
            beta_initializer=initializers.get("beta", v1.zeros_initializer()),
            gamma_initializer=initializers.get("gamma", v1.ones_initializer()),
            moving_mean_initializer=initializers.get("moving_mean", v1.zeros_initializer()),
            moving_variance_initializer=initializers.get("moving_variance",
                                                         v1.ones_initializer()),
            beta_regularizer=regularizers.get("beta"), gamma_regularizer=regularizers.get("gamma"),
            trainable=trainable, fused=fused, name=sc.name, _scope=sc, _reuse=reuse)
        outputs = layer(inputs, training=is_training)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def conv2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None, rate=1,
           activation_fn=tf.nn.relu, normalizer_fn=None, normalizer_params=None,
           weights_initializer=v1.glorot_uniform_initializer(), weights_regularizer=None,
           biases_initializer=v1.zeros_initializer(), biases_regularizer=None, reuse=None,
           trainable=True, scope=None, outputs_collections=None):
    """Slim `conv2d`: convolution, then `normalizer_fn`, then `activation_fn`."""
    channels_first = data_format not in (None, "NHWC")
    with v1.variable_scope(scope, "Conv", [inputs], reuse=reuse,
                           custom_getter=_slim_names) as sc:
        layer = tf1_layers.Conv2D(
            filters=num_outputs, kernel_size=kernel_size, strides=stride, padding=padding,
            data_format="channels_first" if channels_first else "channels_last",
            dilation_rate=rate, activation=None,
            use_bias=not normalizer_fn and biases_initializer is not None,
            kernel_initializer=weights_initializer, bias_initializer=biases_initializer,
            kernel_regularizer=weights_regularizer, bias_regularizer=biases_regularizer,
            trainable=trainable, name=sc.name, _scope=sc, _reuse=reuse)
        outputs = layer(inputs)
        if normalizer_fn is not None:
            outputs = normalizer_fn(outputs, **(normalizer_params or {}))
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", scope=None,
               outputs_collections=None):
    """Slim `max_pool2d` (no variables)."""
    with tf.name_scope(scope or "MaxPool2D"):
        outputs = tf1_layers.max_pooling2d(
            inputs, kernel_size, stride, padding=padding,
            data_format="channels_first" if data_format == "NCHW" else "channels_last")
    return collect_named_outputs(outputs_collections, scope, outputs)


def softmax(logits, scope=None):
    """Slim `softmax`: over the last dimension of logits of any rank."""
    with v1.variable_scope(scope, "softmax", [logits]):
        num_logits = logits.shape[-1]
        predictions = tf.nn.softmax(tf.reshape(logits, [-1, num_logits]))
        return tf.reshape(predictions, tf.shape(logits))
