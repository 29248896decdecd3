"""TF 1.15 contrib `fully_connected`, `dropout`, `flatten`, `softmax`, `bias_add`, `repeat`, `stack`.

Same scopes, variable names (`weights`, `biases`), collections and order as
TF 1.15 (and TF-Slim, whose layers are this code), built on tf1track's TF1
core layers.
"""

import functools

import tensorflow as tf

from tf1track_core import layers as core_layers
from tf1track_core.contrib.framework import variables
from tf1track_core.contrib.framework.arg_scope import add_arg_scope
from tf1track_core.contrib.layers import initializers
from tf1track_core.contrib.layers import utils

v1 = tf.compat.v1
KERNEL_BIAS_NAMES = {"bias": "biases", "kernel": "weights"}


def apply_normalizer_and_activation(outputs, normalizer_fn, normalizer_params, activation_fn):
    """`activation_fn(normalizer_fn(outputs, **normalizer_params))`, each when given."""
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return outputs


def kernel_bias_layer_kwargs(normalizer_fn, weights_initializer, weights_regularizer,
                             biases_initializer, biases_regularizer, trainable, sc, inputs,
                             reuse):
    """The core-layer arguments TF1's `weights`/`biases` layers share (no bias with a normalizer)."""
    return dict(activation=None, use_bias=bool(not normalizer_fn and biases_initializer),
                kernel_initializer=weights_initializer, bias_initializer=biases_initializer,
                kernel_regularizer=weights_regularizer, bias_regularizer=biases_regularizer,
                trainable=trainable, name=sc.name, dtype=inputs.dtype.base_dtype, _scope=sc,
                _reuse=reuse)


def apply_kernel_bias_layer(layer, inputs, sc, variables_collections, normalizer_fn,
                            normalizer_params, activation_fn, outputs_collections):
    """Applies a `weights`/`biases` layer, records its variables and end point, as TF1."""
    outputs = layer.apply(inputs)
    utils.add_variable_to_collections(layer.kernel, variables_collections, "weights")
    if layer.bias is not None:
        utils.add_variable_to_collections(layer.bias, variables_collections, "biases")
    outputs = apply_normalizer_and_activation(outputs, normalizer_fn, normalizer_params,
                                              activation_fn)
    return utils.collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=tf.nn.relu, normalizer_fn=None,
                    normalizer_params=None,
                    weights_initializer=initializers.xavier_initializer(),
                    weights_regularizer=None, biases_initializer=v1.zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """A dense layer `weights`/`biases` in scope `fully_connected` (no bias with a normalizer).

    Raises:
      ValueError: if `num_outputs` is not an integer.
    """
    if not isinstance(num_outputs, int):
        raise ValueError(f"num_outputs type should be one of (int, long), got {num_outputs!r}.")
    with v1.variable_scope(scope, "fully_connected", [inputs], reuse=reuse,
                           custom_getter=utils.model_variable_getter(KERNEL_BIAS_NAMES)) as sc:
        inputs = tf.convert_to_tensor(inputs)
        layer = core_layers.Dense(units=num_outputs, **kernel_bias_layer_kwargs(
            normalizer_fn, weights_initializer, weights_regularizer, biases_initializer,
            biases_regularizer, trainable, sc, inputs, reuse))
        return apply_kernel_bias_layer(layer, inputs, sc, variables_collections, normalizer_fn,
                                       normalizer_params, activation_fn, outputs_collections)


elu = functools.partial(fully_connected, activation_fn=tf.nn.elu)
relu = functools.partial(fully_connected, activation_fn=tf.nn.relu)
relu6 = functools.partial(fully_connected, activation_fn=tf.nn.relu6)
linear = functools.partial(fully_connected, activation_fn=None)


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None,
            scope=None, seed=None):
    """Drops with probability `1 - keep_prob` when `is_training` (scope `Dropout`)."""
    with v1.variable_scope(scope, "Dropout", [inputs],
                           custom_getter=utils.model_variable_getter()) as sc:
        inputs = tf.convert_to_tensor(inputs)
        layer = core_layers.Dropout(rate=1 - keep_prob, noise_shape=noise_shape, seed=seed,
                                    name=sc.name, _scope=sc)
        outputs = layer.apply(inputs, training=is_training)
        return utils.collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """`[batch, d1, d2, ...]` -> `[batch, d1 * d2 * ...]`."""
    with v1.name_scope(scope, "Flatten", [inputs]) as sc:
        inputs = tf.convert_to_tensor(inputs)
        outputs = core_layers.flatten(inputs)
        return utils.collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def softmax(logits, scope=None):
    """Softmax over the last dimension, for logits of any rank >= 2."""
    with v1.variable_scope(scope, "softmax", [logits]):
        if logits.shape.rank is None or logits.shape.rank < 2:
            raise ValueError(f"softmax expects logits of rank >= 2, got shape {logits.shape}")
        num_logits = logits.shape[-1]
        if num_logits is None:
            raise ValueError(f"The last dimension of the logits must be known: {logits.shape}")
        predictions = tf.nn.softmax(tf.reshape(logits, [-1, num_logits]))
        predictions = tf.reshape(predictions, tf.shape(logits))
        predictions.set_shape(logits.shape)
        return predictions


@add_arg_scope
def one_hot_encoding(labels, num_classes, on_value=1.0, off_value=0.0, outputs_collections=None,
                     scope=None):
    """One-hot `labels` (int32 labels are widened to int64 first, as TF1 did)."""
    with v1.name_scope(scope, "OneHotEncoding", [labels, num_classes]) as sc:
        labels = tf.convert_to_tensor(labels)
        if labels.dtype == tf.int32:
            labels = tf.cast(labels, tf.int64)
        outputs = tf.one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
        return utils.collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def bias_add(inputs, activation_fn=None, initializer=v1.zeros_initializer(), regularizer=None,
             reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
             data_format="NHWC", scope=None):
    """Adds a `biases` model variable (scope `BiasAdd`) on the channel axis."""
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    with v1.variable_scope(scope, "BiasAdd", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is None:
            raise ValueError("Dims of shape must be known but is None")
        if rank != 4 and data_format == "NCHW":
            raise ValueError("Data format NCHW only supports 4D Tensor")
        num_features = inputs.shape[1 if data_format == "NCHW" else -1]
        if num_features is None:
            raise ValueError("`C` dimension must be known but is None")
        biases = variables.model_variable(
            "biases", shape=[num_features], dtype=inputs.dtype.base_dtype,
            initializer=initializer, regularizer=regularizer,
            collections=utils.get_variable_collections(variables_collections, "biases"),
            trainable=trainable)
        outputs = tf.nn.bias_add(inputs, biases, data_format=data_format)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return utils.collect_named_outputs(outputs_collections, sc.name, outputs)


def _layer_scope_name(layer, default):
    if hasattr(layer, "__name__"):
        return layer.__name__
    if hasattr(layer, "func") and hasattr(layer.func, "__name__"):
        return layer.func.__name__  # a functools.partial
    return default


def repeat(inputs, repetitions, layer, *args, **kwargs):
    """Applies `layer` `repetitions` times, in scopes `<layer name>_1`, `_2`, ..."""
    scope = kwargs.pop("scope", None)
    with v1.variable_scope(scope, "Repeat", [inputs]):
        outputs = tf.convert_to_tensor(inputs)
        scope = scope if scope is not None else _layer_scope_name(layer, "repeat")
        for i in range(repetitions):
            kwargs["scope"] = f"{scope}_{i + 1}"
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(inputs, layer, stack_args, **kwargs):
    """Applies `layer` once per entry of `stack_args`, in scopes `<name>_1`, `_2`, ...

    Raises:
      ValueError: if `stack_args` is not a list or tuple.
    """
    scope = kwargs.pop("scope", None)
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError("stack_args need to be a list or tuple")
    with v1.variable_scope(scope, "Stack", [inputs]):
        outputs = tf.convert_to_tensor(inputs)
        scope = scope if scope is not None else _layer_scope_name(layer, "stack")
        for i, layer_args in enumerate(stack_args):
            kwargs["scope"] = f"{scope}_{i + 1}"
            if not isinstance(layer_args, (list, tuple)):
                layer_args = [layer_args]
            outputs = layer(outputs, *layer_args, **kwargs)
        return outputs
