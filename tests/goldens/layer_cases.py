"""The TF1 layer cases shared by the golden recorder and the parity test.

Both sides apply the same case description to their own layers module:
`tf.compat.v1.layers` of tf-keras (recorder) or `tf1track_core.layers` (test).
"""

import tensorflow as tf

# Each case: the functional layer name (or class name with "cls": True),
# the input shape, positional and keyword arguments, the call's keyword
# arguments, and how many times to apply it (names of repeated applications
# show TF1's uniquification).
CASES = {
    "dense_relu": dict(layer="dense", input=[3, 4], args=[5], kwargs={"activation": "relu"}),
    "dense_rank3_regularized": dict(
        layer="dense", input=[2, 3, 4], args=[5],
        kwargs={"kernel_regularizer": "l2", "bias_regularizer": "l2"}),
    "dense_no_bias_twice": dict(layer="dense", input=[3, 4], args=[4],
                                kwargs={"use_bias": False}, repeat=2),
    "dense_class": dict(layer="Dense", input=[3, 4], args=[2], kwargs={"activation": "tanh"},
                        cls=True),
    "conv1d_same_strided": dict(layer="conv1d", input=[2, 9, 3], args=[4, 3],
                                kwargs={"strides": 2, "padding": "same"}),
    "conv1d_causal_dilated": dict(layer="conv1d", input=[2, 9, 3], args=[4, 3],
                                  kwargs={"padding": "causal", "dilation_rate": 2}),
    "conv2d_same_strided": dict(layer="conv2d", input=[2, 7, 7, 3], args=[4, 3],
                                kwargs={"strides": 2, "padding": "same", "activation": "relu"}),
    "conv2d_valid_dilated": dict(layer="conv2d", input=[2, 9, 9, 3], args=[4, [3, 2]],
                                 kwargs={"dilation_rate": 2, "kernel_regularizer": "l2"}),
    "conv2d_class": dict(layer="Conv2D", input=[2, 6, 6, 2], args=[3, 2],
                         kwargs={"strides": [2, 1]}, cls=True),
    "conv3d": dict(layer="conv3d", input=[2, 5, 5, 5, 2], args=[3, 2],
                   kwargs={"padding": "same"}),
    "conv2d_transpose_same": dict(layer="conv2d_transpose", input=[2, 4, 4, 3], args=[5, 3],
                                  kwargs={"strides": 2, "padding": "same"}),
    "conv2d_transpose_valid": dict(layer="conv2d_transpose", input=[2, 4, 5, 3], args=[2, [3, 2]],
                                   kwargs={"strides": [2, 3]}),
    "conv2d_transpose_channels_first": dict(
        layer="conv2d_transpose", input=[2, 3, 4, 4], args=[2, 3],
        kwargs={"strides": 2, "padding": "same", "data_format": "channels_first"}),
    "conv3d_transpose_same": dict(layer="conv3d_transpose", input=[2, 3, 4, 4, 2], args=[3, 2],
                                  kwargs={"strides": 2, "padding": "same"}),
    "conv3d_transpose_valid_class": dict(layer="Conv3DTranspose", input=[2, 3, 3, 4, 2],
                                         args=[2, [2, 3, 2]], kwargs={"strides": [1, 2, 3]},
                                         cls=True),
    "separable_conv1d_same": dict(layer="separable_conv1d", input=[2, 9, 3], args=[4, 3],
                                  kwargs={"depth_multiplier": 2, "padding": "same"}),
    "separable_conv1d_causal_dilated": dict(
        layer="separable_conv1d", input=[2, 9, 3], args=[4, 3],
        kwargs={"padding": "causal", "dilation_rate": 2, "activation": "relu",
                "pointwise_regularizer": "l2"}),
    "separable_conv1d_strided_class": dict(layer="SeparableConv1D", input=[2, 9, 3], args=[3, 3],
                                           kwargs={"strides": 2}, cls=True),
    "separable_conv2d": dict(layer="separable_conv2d", input=[2, 6, 6, 3], args=[4, 3],
                             kwargs={"depth_multiplier": 2, "padding": "same"}),
    "separable_conv2d_strided": dict(layer="separable_conv2d", input=[2, 7, 7, 2], args=[3, 3],
                                     kwargs={"strides": 2, "activation": "relu"}),
    "batch_norm_fused_training": dict(layer="batch_normalization", input=[4, 3, 3, 5],
                                      kwargs={"momentum": 0.9}, call={"training": True}),
    "batch_norm_fused_inference": dict(layer="batch_normalization", input=[4, 3, 3, 5],
                                       call={"training": False}),
    "batch_norm_nchw_training": dict(layer="batch_normalization", input=[4, 5, 3, 3],
                                     kwargs={"axis": 1, "epsilon": 1e-5}, call={"training": True}),
    "batch_norm_2d_training": dict(layer="batch_normalization", input=[6, 5],
                                   kwargs={"momentum": 0.8, "gamma_regularizer": "l2"},
                                   call={"training": True}),
    "batch_norm_2d_inference": dict(layer="batch_normalization", input=[6, 5],
                                    call={"training": False}),
    "batch_norm_unfused_4d_training": dict(layer="batch_normalization", input=[4, 3, 3, 5],
                                           kwargs={"fused": False}, call={"training": True}),
    "batch_norm_axis1_3d_training": dict(layer="batch_normalization", input=[4, 5, 3],
                                         kwargs={"axis": 1, "center": False},
                                         call={"training": True}),
    "batch_norm_renorm_training": dict(layer="batch_normalization", input=[6, 4, 4, 3],
                                       kwargs={"renorm": True, "renorm_momentum": 0.9,
                                               "momentum": 0.8}, call={"training": True}),
    "batch_norm_renorm_clipped_2d_training": dict(
        layer="batch_normalization", input=[8, 5],
        kwargs={"renorm": True, "scale": False,
                "renorm_clipping": {"rmin": 0.8, "rmax": 1.2, "dmax": 0.1}},
        call={"training": True}),
    "batch_norm_renorm_inference": dict(layer="batch_normalization", input=[4, 2, 2, 3],
                                        kwargs={"renorm": True}, call={"training": False}),
    "batch_norm_adjusted_training": dict(layer="batch_normalization", input=[4, 3, 3, 5],
                                         kwargs={"adjustment": "channel_ramp"},
                                         call={"training": True}),
    "batch_norm_adjusted_renorm_2d_training": dict(
        layer="batch_normalization", input=[6, 5],
        kwargs={"adjustment": "channel_ramp", "renorm": True, "center": False},
        call={"training": True}),
    "batch_norm_virtual_batch_training": dict(layer="batch_normalization", input=[8, 3, 3, 4],
                                              kwargs={"virtual_batch_size": 2, "momentum": 0.9},
                                              call={"training": True}),
    "batch_norm_virtual_batch_renorm_2d_training": dict(
        layer="batch_normalization", input=[6, 5],
        kwargs={"virtual_batch_size": 3, "renorm": True}, call={"training": True}),
    "batch_norm_virtual_batch_axis1_inference": dict(
        layer="batch_normalization", input=[4, 5, 3],
        kwargs={"virtual_batch_size": 2, "axis": 1}, call={"training": False}),
    "batch_norm_class_training": dict(layer="BatchNormalization", input=[4, 2, 2, 3],
                                      kwargs={"scale": False}, call={"training": True}, cls=True),
    "batch_norm_fused_float16_training": dict(
        layer="batch_normalization", input=[4, 3, 3, 5], input_dtype="float16",
        call={"training": True}),
    "batch_norm_2d_float16_training": dict(layer="batch_normalization", input=[6, 5],
                                           input_dtype="float16", call={"training": True}),
    "dense_float16": dict(layer="dense", input=[3, 4], args=[5], input_dtype="float16"),
    "dropout_inference": dict(layer="dropout", input=[3, 4], kwargs={"rate": 0.5},
                              call={"training": False}),
    "max_pooling1d": dict(layer="max_pooling1d", input=[2, 9, 3], args=[3, 2],
                          kwargs={"padding": "same"}),
    "average_pooling1d": dict(layer="average_pooling1d", input=[2, 9, 3], args=[2, 2]),
    "max_pooling2d": dict(layer="max_pooling2d", input=[2, 7, 7, 3], args=[3, 2]),
    "average_pooling2d_same": dict(layer="average_pooling2d", input=[2, 7, 7, 3], args=[2, 2],
                                   kwargs={"padding": "same"}),
    "max_pooling3d": dict(layer="max_pooling3d", input=[2, 5, 5, 4, 2], args=[2, 2]),
    "average_pooling3d_same": dict(layer="average_pooling3d", input=[2, 5, 4, 4, 2],
                                   args=[3, [2, 1, 2]], kwargs={"padding": "same"}),
    # (channels_first pooling cannot be recorded: TF1's CPU kernel rejects NCHW.)
    "flatten": dict(layer="flatten", input=[2, 3, 4, 2]),
    "flatten_channels_first": dict(layer="flatten", input=[2, 3, 4, 2],
                                   kwargs={"data_format": "channels_first"}),
}

ACTIVATIONS = {"relu": tf.nn.relu, "tanh": tf.tanh}
# Batch-norm `adjustment`s by name (the manifest is JSON): shape -> (scale, bias).
ADJUSTMENTS = {
    "channel_ramp": lambda shape: (tf.linspace(0.5, 1.5, shape[-1]),
                                   tf.linspace(-0.2, 0.2, shape[-1])),
}


def resolve_kwargs(kwargs):
    """Activation and adjustment names to functions; everything else as written."""
    named = {"activation": ACTIVATIONS, "adjustment": ADJUSTMENTS}
    return {k: named[k][v] if k in named else v for k, v in kwargs.items()}


def apply_case(layers, case, inputs):
    """Applies a case's layer(s) from `layers` (tf.compat.v1.layers or tf1track's)."""
    args, kwargs = case.get("args", []), resolve_kwargs(case.get("kwargs", {}))
    call = case.get("call", {})
    out = inputs
    for _ in range(case.get("repeat", 1)):
        if case.get("cls"):
            out = getattr(layers, case["layer"])(*args, **kwargs)(out, **call)
        elif call:
            out = getattr(layers, case["layer"])(out, *args, **kwargs, **call)
        else:
            out = getattr(layers, case["layer"])(out, *args, **kwargs)
    return out
