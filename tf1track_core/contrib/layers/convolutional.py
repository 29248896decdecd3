"""TF 1.15 contrib convolutions and pooling: `conv2d` (`Conv/weights`, `Conv/biases`) & co."""

import tensorflow as tf

from tf1track_core import layers as core_layers
from tf1track_core.contrib.framework import variables
from tf1track_core.contrib.framework.arg_scope import add_arg_scope
from tf1track_core.contrib.layers import initializers
from tf1track_core.contrib.layers import utils
from tf1track_core.contrib.layers.core import KERNEL_BIAS_NAMES
from tf1track_core.contrib.layers.core import apply_kernel_bias_layer
from tf1track_core.contrib.layers.core import apply_normalizer_and_activation
from tf1track_core.contrib.layers.core import kernel_bias_layer_kwargs

v1 = tf.compat.v1
_CONV_CLASSES = {3: core_layers.Conv1D, 4: core_layers.Conv2D, 5: core_layers.Conv3D}
_SEPARABLE_NAMES = {"bias": "biases", "depthwise_kernel": "depthwise_weights",
                    "pointwise_kernel": "pointwise_weights"}


def _keras_data_format(data_format):
    return "channels_first" if data_format and data_format.startswith("NC") else "channels_last"


def _check_2d_data_format(data_format):
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")


@add_arg_scope
def convolution(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
                rate=1, activation_fn=tf.nn.relu, normalizer_fn=None, normalizer_params=None,
                weights_initializer=initializers.xavier_initializer(), weights_regularizer=None,
                biases_initializer=v1.zeros_initializer(), biases_regularizer=None, reuse=None,
                variables_collections=None, outputs_collections=None, trainable=True,
                scope=None, conv_dims=None):
    """An N-d convolution (by input rank 3, 4 or 5) in scope `Conv`, then normalizer, activation.

    Raises:
      ValueError: for an unknown `data_format` or an input rank that does not fit.
    """
    if data_format not in (None, "NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW"):
        raise ValueError(f"Invalid data_format: {data_format!r}")
    with v1.variable_scope(scope, "Conv", [inputs], reuse=reuse,
                           custom_getter=utils.model_variable_getter(KERNEL_BIAS_NAMES)) as sc:
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if conv_dims is not None and conv_dims + 2 != rank:
            raise ValueError(f"Convolution expects input with rank {conv_dims + 2}, got {rank}")
        if rank not in _CONV_CLASSES:
            raise ValueError(f"Convolution not supported for input with rank {rank}")
        layer = _CONV_CLASSES[rank](
            filters=num_outputs, kernel_size=kernel_size, strides=stride, padding=padding,
            data_format=_keras_data_format(data_format), dilation_rate=rate,
            **kernel_bias_layer_kwargs(normalizer_fn, weights_initializer, weights_regularizer,
                                       biases_initializer, biases_regularizer, trainable, sc,
                                       inputs, reuse))
        return apply_kernel_bias_layer(layer, inputs, sc, variables_collections, normalizer_fn,
                                       normalizer_params, activation_fn, outputs_collections)


def _convolution_of_rank(conv_dims, name):
    def convolution_nd(inputs, num_outputs, kernel_size, stride=1, padding="SAME",
                       data_format=None, rate=1, activation_fn=tf.nn.relu, normalizer_fn=None,
                       normalizer_params=None,
                       weights_initializer=initializers.xavier_initializer(),
                       weights_regularizer=None, biases_initializer=v1.zeros_initializer(),
                       biases_regularizer=None, reuse=None, variables_collections=None,
                       outputs_collections=None, trainable=True, scope=None):
        return convolution(inputs, num_outputs, kernel_size, stride, padding, data_format, rate,
                           activation_fn, normalizer_fn, normalizer_params, weights_initializer,
                           weights_regularizer, biases_initializer, biases_regularizer, reuse,
                           variables_collections, outputs_collections, trainable, scope,
                           conv_dims=conv_dims)

    # Named before decoration: each is its own arg_scope key, as in TF1.
    convolution_nd.__name__ = convolution_nd.__qualname__ = name
    convolution_nd.__doc__ = f"`convolution` for {conv_dims}-D inputs (scope `Conv`)."
    return add_arg_scope(convolution_nd)


convolution1d = _convolution_of_rank(1, "convolution1d")
convolution2d = _convolution_of_rank(2, "convolution2d")
convolution3d = _convolution_of_rank(3, "convolution3d")


@add_arg_scope
def convolution2d_transpose(inputs, num_outputs, kernel_size, stride=1, padding="SAME",
                            data_format="NHWC", activation_fn=tf.nn.relu, normalizer_fn=None,
                            normalizer_params=None,
                            weights_initializer=initializers.xavier_initializer(),
                            weights_regularizer=None, biases_initializer=v1.zeros_initializer(),
                            biases_regularizer=None, reuse=None, variables_collections=None,
                            outputs_collections=None, trainable=True, scope=None):
    """A transposed 2-D convolution in scope `Conv2d_transpose` (`weights`, `biases`)."""
    with v1.variable_scope(scope, "Conv2d_transpose", [inputs], reuse=reuse,
                           custom_getter=utils.model_variable_getter(KERNEL_BIAS_NAMES)) as sc:
        _check_2d_data_format(data_format)
        inputs = tf.convert_to_tensor(inputs)
        layer = core_layers.Conv2DTranspose(
            filters=num_outputs, kernel_size=kernel_size, strides=stride, padding=padding,
            data_format=_keras_data_format(data_format),
            **kernel_bias_layer_kwargs(normalizer_fn, weights_initializer, weights_regularizer,
                                       biases_initializer, biases_regularizer, trainable, sc,
                                       inputs, reuse))
        return apply_kernel_bias_layer(layer, inputs, sc, variables_collections, normalizer_fn,
                                       normalizer_params, activation_fn, outputs_collections)


@add_arg_scope
def separable_convolution2d(inputs, num_outputs, kernel_size, depth_multiplier=1, stride=1,
                            padding="SAME", data_format="NHWC", rate=1,
                            activation_fn=tf.nn.relu, normalizer_fn=None,
                            normalizer_params=None,
                            weights_initializer=initializers.xavier_initializer(),
                            pointwise_initializer=None, weights_regularizer=None,
                            biases_initializer=v1.zeros_initializer(), biases_regularizer=None,
                            reuse=None, variables_collections=None, outputs_collections=None,
                            trainable=True, scope=None):
    """Depthwise (+ pointwise unless `num_outputs` is None) convolution, scope `SeparableConv2d`."""
    _check_2d_data_format(data_format)
    with v1.variable_scope(scope, "SeparableConv2d", [inputs], reuse=reuse,
                           custom_getter=utils.model_variable_getter(_SEPARABLE_NAMES)) as sc:
        inputs = tf.convert_to_tensor(inputs)
        pointwise_initializer = pointwise_initializer or weights_initializer
        if num_outputs is not None:
            layer = core_layers.SeparableConv2D(
                filters=num_outputs, kernel_size=kernel_size, strides=stride, padding=padding,
                data_format=_keras_data_format(data_format),
                dilation_rate=utils.two_element_tuple(rate), activation=None,
                depth_multiplier=depth_multiplier,
                use_bias=bool(not normalizer_fn and biases_initializer),
                depthwise_initializer=weights_initializer,
                pointwise_initializer=pointwise_initializer,
                bias_initializer=biases_initializer, depthwise_regularizer=weights_regularizer,
                pointwise_regularizer=weights_regularizer, bias_regularizer=biases_regularizer,
                trainable=trainable, name=sc.name, dtype=inputs.dtype.base_dtype, _scope=sc,
                _reuse=reuse)
            outputs = layer.apply(inputs)
            utils.add_variable_to_collections(layer.depthwise_kernel, variables_collections,
                                              "weights")
            utils.add_variable_to_collections(layer.pointwise_kernel, variables_collections,
                                              "weights")
            if layer.bias is not None:
                utils.add_variable_to_collections(layer.bias, variables_collections, "biases")
            outputs = apply_normalizer_and_activation(outputs, normalizer_fn,
                                                      normalizer_params, None)
        else:
            outputs = _depthwise_only(inputs, kernel_size, depth_multiplier, stride, padding,
                                      data_format, rate, normalizer_fn, normalizer_params,
                                      weights_initializer, weights_regularizer,
                                      biases_initializer, biases_regularizer,
                                      variables_collections, trainable)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return utils.collect_named_outputs(outputs_collections, sc.name, outputs)


def _depthwise_only(inputs, kernel_size, depth_multiplier, stride, padding, data_format, rate,
                    normalizer_fn, normalizer_params, weights_initializer, weights_regularizer,
                    biases_initializer, biases_regularizer, variables_collections, trainable):
    """`separable_convolution2d` with `num_outputs=None`: a depthwise convolution only."""
    dtype = inputs.dtype.base_dtype
    kernel_h, kernel_w = utils.two_element_tuple(kernel_size)
    stride_h, stride_w = utils.two_element_tuple(stride)
    channels_first = data_format.startswith("NC")
    num_filters_in = inputs.shape[1 if channels_first else -1]
    depthwise_weights = variables.model_variable(
        "depthwise_weights", shape=[kernel_h, kernel_w, num_filters_in, depth_multiplier],
        dtype=dtype, initializer=weights_initializer, regularizer=weights_regularizer,
        trainable=trainable,
        collections=utils.get_variable_collections(variables_collections, "weights"))
    strides = [1, 1, stride_h, stride_w] if channels_first else [1, stride_h, stride_w, 1]
    outputs = tf.compat.v1.nn.depthwise_conv2d(
        inputs, depthwise_weights, strides, padding, rate=utils.two_element_tuple(rate),
        data_format=data_format)
    num_outputs = depth_multiplier * num_filters_in
    if normalizer_fn is not None:
        return normalizer_fn(outputs, **(normalizer_params or {}))
    if biases_initializer is not None:
        biases = variables.model_variable(
            "biases", shape=[num_outputs], dtype=dtype, initializer=biases_initializer,
            regularizer=biases_regularizer, trainable=trainable,
            collections=utils.get_variable_collections(variables_collections, "biases"))
        outputs = tf.nn.bias_add(outputs, biases, data_format=data_format)
    return outputs


def _pool2d(layer_class, default_name, name, doc):
    def pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
        _check_2d_data_format(data_format)
        with v1.name_scope(scope, default_name, [inputs]) as sc:
            inputs = tf.convert_to_tensor(inputs)
            layer = layer_class(pool_size=kernel_size, strides=stride, padding=padding,
                                data_format=_keras_data_format(data_format))
            outputs = layer.apply(inputs)
            return utils.collect_named_outputs(outputs_collections, sc, outputs)

    pool2d.__name__ = pool2d.__qualname__ = name
    pool2d.__doc__ = doc
    return add_arg_scope(pool2d)


max_pool2d = _pool2d(core_layers.MaxPooling2D, "MaxPool2D", "max_pool2d",
                     "2-D max pooling ('VALID', stride 2 by default), name scope `MaxPool2D`.")
avg_pool2d = _pool2d(core_layers.AveragePooling2D, "AvgPool2D", "avg_pool2d",
                     "2-D average pooling ('VALID', stride 2 by default), name scope `AvgPool2D`.")
