"""TF 1.15 contrib `batch_norm` and `layer_norm`, as TF 1.15 (and TF-Slim) computed them.

`batch_norm` takes TF1's three paths, chosen by the same rule: the core
`tf.layers` batch norm (default update collections), the fused kernel (rank 2,
`zero_debias_moving_mean` or other `updates_collections`: its moving variance
follows the kernel's Bessel-corrected batch variance) and moments
(`batch_weights`, or custom updates where fusing is impossible). Variables
`BatchNorm/beta`, `gamma` (only with `scale=True`), `moving_mean`,
`moving_variance`, in that order.
"""

import tensorflow as tf
from tensorflow.python.training import moving_averages

from tf1track_core import graph_collections
from tf1track_core import layers as core_layers
from tf1track_core.contrib.framework import variables
from tf1track_core.contrib.framework.arg_scope import add_arg_scope
from tf1track_core.contrib.layers import utils

v1 = tf.compat.v1
UPDATE_OPS = v1.GraphKeys.UPDATE_OPS


def _check_data_format(data_format):
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None, updates_collections=UPDATE_OPS,
               is_training=True, reuse=None, variables_collections=None,
               outputs_collections=None, trainable=True, batch_weights=None, fused=None,
               data_format="NHWC", zero_debias_moving_mean=False, scope=None, renorm=False,
               renorm_clipping=None, renorm_decay=0.99, adjustment=None):
    """Batch normalization of the channel axis (last, or 1 for NCHW), TF 1.15's `batch_norm`.

    Raises:
      ValueError: for an unknown data format, an undefined rank or channel count.
    """
    fused = True if fused is None else fused
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.rank
    possible_to_fuse = batch_weights is None and not renorm and rank in (2, 4) \
        and adjustment is None
    if fused and possible_to_fuse and (
            zero_debias_moving_mean or rank == 2 or updates_collections is not UPDATE_OPS):
        return _fused_batch_norm(
            inputs, decay=decay, center=center, scale=scale, epsilon=epsilon,
            activation_fn=activation_fn, param_initializers=param_initializers,
            param_regularizers=param_regularizers, updates_collections=updates_collections,
            is_training=is_training, reuse=reuse, variables_collections=variables_collections,
            outputs_collections=outputs_collections, trainable=trainable,
            data_format=data_format, zero_debias_moving_mean=zero_debias_moving_mean,
            scope=scope)
    _check_data_format(data_format)
    param_initializers = param_initializers or {}
    param_regularizers = param_regularizers or {}
    with v1.variable_scope(scope, "BatchNorm", [inputs], reuse=reuse,
                           custom_getter=utils.model_variable_getter()) as sc:
        if (batch_weights is None and updates_collections is UPDATE_OPS
                and not zero_debias_moving_mean):
            layer = core_layers.BatchNormalization(
                axis=1 if data_format == "NCHW" else -1, momentum=decay, epsilon=epsilon,
                center=center, scale=scale,
                beta_initializer=param_initializers.get("beta", v1.zeros_initializer()),
                gamma_initializer=param_initializers.get("gamma", v1.ones_initializer()),
                moving_mean_initializer=param_initializers.get("moving_mean",
                                                               v1.zeros_initializer()),
                moving_variance_initializer=param_initializers.get("moving_variance",
                                                                   v1.ones_initializer()),
                beta_regularizer=param_regularizers.get("beta"),
                gamma_regularizer=param_regularizers.get("gamma"), trainable=trainable,
                renorm=renorm, renorm_clipping=renorm_clipping, renorm_momentum=renorm_decay,
                adjustment=adjustment, name=sc.name, _scope=sc, _reuse=reuse, fused=fused)
            outputs = layer.apply(inputs, training=is_training)
            for name in ("moving_mean", "moving_variance", "beta", "gamma"):
                if getattr(layer, name) is not None:
                    utils.add_variable_to_collections(getattr(layer, name),
                                                      variables_collections, name)
            if activation_fn is not None:
                outputs = activation_fn(outputs)
            return utils.collect_named_outputs(outputs_collections, sc.name, outputs)
        if renorm:
            raise ValueError("renorm is not supported with batch_weights, updates_collections "
                             "or zero_debias_moving_mean")
        outputs = _moments_batch_norm(
            inputs, decay, center, scale, epsilon, param_initializers, updates_collections,
            is_training, variables_collections, trainable, batch_weights, data_format,
            zero_debias_moving_mean)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return utils.collect_named_outputs(outputs_collections, sc.name, outputs)


def _params(params_shape, dtype, center, scale, param_initializers, variables_collections,
            trainable, param_regularizers=None):
    """`beta` and `gamma` (None where off), then the moving statistics, in TF1's order."""
    param_regularizers = param_regularizers or {}
    beta = gamma = None
    if center:
        beta = variables.model_variable(
            "beta", shape=params_shape, dtype=dtype,
            initializer=param_initializers.get("beta", v1.zeros_initializer()),
            regularizer=param_regularizers.get("beta"),
            collections=utils.get_variable_collections(variables_collections, "beta"),
            trainable=trainable)
    if scale:
        gamma = variables.model_variable(
            "gamma", shape=params_shape, dtype=dtype,
            initializer=param_initializers.get("gamma", v1.ones_initializer()),
            regularizer=param_regularizers.get("gamma"),
            collections=utils.get_variable_collections(variables_collections, "gamma"),
            trainable=trainable)
    # The moving statistics are never partitioned (TF1 cleared the partitioner).
    with v1.variable_scope(v1.get_variable_scope()) as local_scope:
        local_scope.set_partitioner(None)
        moving = [variables.model_variable(
            name, shape=params_shape, dtype=dtype,
            initializer=param_initializers.get(name, default), trainable=False,
            collections=utils.get_variable_collections(variables_collections, name))
            for name, default in (("moving_mean", v1.zeros_initializer()),
                                  ("moving_variance", v1.ones_initializer()))]
    return beta, gamma, moving[0], moving[1]


def _moving_average_updates(moving_mean, moving_variance, mean, variance, decay,
                            zero_debias_moving_mean):
    return (moving_averages.assign_moving_average(moving_mean, mean, decay,
                                                  zero_debias=zero_debias_moving_mean),
            moving_averages.assign_moving_average(moving_variance, variance, decay,
                                                  zero_debias=False))


def _moments_batch_norm(inputs, decay, center, scale, epsilon, param_initializers,
                        updates_collections, is_training, variables_collections, trainable,
                        batch_weights, data_format, zero_debias_moving_mean):
    """TF1's moments path: `nn.moments` (or weighted moments) and `nn.batch_normalization`."""
    inputs_shape = inputs.shape
    rank = inputs_shape.rank
    if rank is None:
        raise ValueError(f"Inputs {inputs.name} has undefined rank.")
    dtype = inputs.dtype.base_dtype
    if batch_weights is not None:
        batch_weights = tf.convert_to_tensor(batch_weights)
        inputs_shape[0:1].assert_is_compatible_with(batch_weights.shape)
        batch_weights = tf.reshape(batch_weights, [-1] + [1] * (rank - 1))
    channels_first = data_format == "NCHW"
    if channels_first:
        moments_axes = [0] + list(range(2, rank))
        params_shape = inputs_shape[1:2]
        broadcast_shape = [1, inputs_shape[1]] + [1] * (rank - 2)
    else:
        moments_axes = list(range(rank - 1))
        params_shape = inputs_shape[-1:]
    if not params_shape.is_fully_defined():
        raise ValueError(f"Inputs {inputs.name} has undefined channels dimension "
                         f"{params_shape}.")
    beta, gamma, moving_mean, moving_variance = _params(
        params_shape, dtype, center, scale, param_initializers, variables_collections,
        trainable)
    training_value = utils.constant_value(is_training)
    if training_value is None or training_value:
        if batch_weights is None:
            mean, variance = tf.nn.moments(inputs, moments_axes, keepdims=channels_first)
        else:
            mean, variance = tf.nn.weighted_moments(inputs, moments_axes, batch_weights,
                                                    keepdims=channels_first)
        if channels_first:
            mean, variance = tf.reshape(mean, [-1]), tf.reshape(variance, [-1])

        def moving_vars():
            return moving_mean, moving_variance

        if updates_collections is None:
            def force_updates():
                updates = _moving_average_updates(moving_mean, moving_variance, mean, variance,
                                                  decay, zero_debias_moving_mean)
                with tf.control_dependencies(updates):
                    return tf.identity(mean), tf.identity(variance)

            mean, variance = utils.smart_cond(is_training, force_updates, moving_vars)
        else:
            update_mean, update_variance = utils.smart_cond(
                is_training,
                lambda: _moving_average_updates(moving_mean, moving_variance, mean, variance,
                                                decay, zero_debias_moving_mean),
                moving_vars)
            graph_collections.add_to_collections_tf1(updates_collections, update_mean)
            graph_collections.add_to_collections_tf1(updates_collections, update_variance)
            batch_mean, batch_variance = mean, variance
            mean, variance = utils.smart_cond(is_training,
                                              lambda: (batch_mean, batch_variance), moving_vars)
    else:
        mean, variance = moving_mean, moving_variance
    if channels_first:
        mean = tf.reshape(mean, broadcast_shape)
        variance = tf.reshape(variance, broadcast_shape)
        beta = tf.reshape(beta, broadcast_shape) if beta is not None else None
        gamma = tf.reshape(gamma, broadcast_shape) if gamma is not None else None
    outputs = tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, epsilon)
    outputs.set_shape(inputs_shape)
    return outputs


def _fused_batch_norm(inputs, decay, center, scale, epsilon, activation_fn, param_initializers,
                      param_regularizers, updates_collections, is_training, reuse,
                      variables_collections, outputs_collections, trainable, data_format,
                      zero_debias_moving_mean, scope):
    """TF1's fused path (rank 2 or 4; float32 parameters whatever the input dtype)."""
    _check_data_format(data_format)
    with v1.variable_scope(scope, "BatchNorm", [inputs], reuse=reuse) as sc:
        original_inputs = inputs
        original_rank = inputs.shape.rank
        if original_rank is None:
            raise ValueError(f"Inputs {inputs.name} has undefined rank")
        if original_rank not in (2, 4):
            raise ValueError(f"Inputs {inputs.name} has unsupported rank. Expected 2 or 4 but "
                             f"got {original_rank}")
        if original_rank == 2:
            channels = inputs.shape[-1]
            if channels is None:
                raise ValueError("`C` dimension must be known but is None")
            inputs = tf.reshape(inputs, [-1, channels, 1, 1] if data_format == "NCHW"
                                else [-1, 1, 1, channels])
        inputs_shape = inputs.shape
        params_shape = inputs_shape[-1:] if data_format == "NHWC" else inputs_shape[1:2]
        if not params_shape.is_fully_defined():
            raise ValueError(f"Inputs {inputs.name} has undefined `C` dimension {params_shape}.")
        beta, gamma, moving_mean, moving_variance = _params(
            params_shape, tf.float32, center, scale, param_initializers or {},
            variables_collections, trainable, param_regularizers)
        if beta is None:
            beta = tf.constant(0.0, dtype=tf.float32, shape=params_shape)
        if gamma is None:
            gamma = tf.constant(1.0, dtype=tf.float32, shape=params_shape)

        def training():
            return v1.nn.fused_batch_norm(inputs, gamma, beta, epsilon=epsilon,
                                          data_format=data_format)

        def inference():
            return v1.nn.fused_batch_norm(inputs, gamma, beta, mean=moving_mean,
                                          variance=moving_variance, epsilon=epsilon,
                                          is_training=False, data_format=data_format)

        outputs, mean, variance = utils.smart_cond(is_training, training, inference)
        training_value = utils.constant_value(is_training)
        if training_value is None or training_value:
            if updates_collections is None:
                def force_updates():
                    updates = _moving_average_updates(moving_mean, moving_variance, mean,
                                                      variance, decay, zero_debias_moving_mean)
                    with tf.control_dependencies(updates):
                        return tf.identity(outputs)

                outputs = utils.smart_cond(is_training, force_updates, lambda: outputs)
            else:
                update_mean, update_variance = utils.smart_cond(
                    is_training,
                    lambda: _moving_average_updates(moving_mean, moving_variance, mean,
                                                    variance, decay, zero_debias_moving_mean),
                    lambda: (moving_mean, moving_variance))
                graph_collections.add_to_collections_tf1(updates_collections, update_mean)
                graph_collections.add_to_collections_tf1(updates_collections, update_variance)
        outputs.set_shape(inputs_shape)
        if original_rank == 2:
            outputs = tf.reshape(outputs, _static_reshape_target(original_inputs)
                                 or tf.shape(original_inputs))
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return utils.collect_named_outputs(outputs_collections, sc.name, outputs)


def _static_reshape_target(tensor):
    """The static shape as a reshape target (-1 for one unknown dim), else None."""
    if tensor.shape.rank is None:
        return None
    dims = [-1 if d is None else d for d in tensor.shape.as_list()]
    return dims if dims.count(-1) <= 1 else None


@add_arg_scope
def layer_norm(inputs, center=True, scale=True, activation_fn=None, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               begin_norm_axis=1, begin_params_axis=-1, scope=None):
    """Layer normalization over axes `begin_norm_axis:`, parameters over `begin_params_axis:`.

    Variables `LayerNorm/beta` then `LayerNorm/gamma`, in the input dtype;
    variance epsilon 1e-12 (1e-3 for float16), as TF 1.15.

    Raises:
      ValueError: for an undefined rank, axes past the rank or undefined parameter shape.
    """
    with v1.variable_scope(scope, "LayerNorm", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        inputs_shape = inputs.shape
        rank = inputs_shape.rank
        if rank is None:
            raise ValueError(f"Inputs {inputs.name} has undefined rank.")
        dtype = inputs.dtype.base_dtype
        if begin_norm_axis < 0:
            begin_norm_axis = rank + begin_norm_axis
        if begin_params_axis >= rank or begin_norm_axis >= rank:
            raise ValueError(f"begin_params_axis ({begin_params_axis}) and begin_norm_axis "
                             f"({begin_norm_axis}) must be < rank(inputs) ({rank})")
        params_shape = inputs_shape[begin_params_axis:]
        if not params_shape.is_fully_defined():
            raise ValueError(f"Inputs {inputs.name}: shape(inputs)[{begin_params_axis}:] is "
                             f"not fully defined: {inputs_shape}")
        beta = gamma = None
        if center:
            beta = variables.model_variable(
                "beta", shape=params_shape, dtype=dtype, initializer=v1.zeros_initializer(),
                collections=utils.get_variable_collections(variables_collections, "beta"),
                trainable=trainable)
        if scale:
            gamma = variables.model_variable(
                "gamma", shape=params_shape, dtype=dtype, initializer=v1.ones_initializer(),
                collections=utils.get_variable_collections(variables_collections, "gamma"),
                trainable=trainable)
        mean, variance = tf.nn.moments(inputs, list(range(begin_norm_axis, rank)),
                                       keepdims=True)
        variance_epsilon = 1e-12 if dtype != tf.float16 else 1e-3
        outputs = tf.nn.batch_normalization(inputs, mean, variance, offset=beta, scale=gamma,
                                            variance_epsilon=variance_epsilon)
        outputs.set_shape(inputs_shape)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return utils.collect_named_outputs(outputs_collections, sc.name, outputs)
