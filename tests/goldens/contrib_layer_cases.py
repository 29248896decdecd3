"""The `tf.contrib.layers` cases shared by the golden recorder and the parity test.

Both sides apply the same description to their own module: TF-Slim 1.1.0's
`tf_slim.layers` (TF 1.15's contrib layers code; the recorder) or
`tf1track_core.contrib.layers` (the test). Keyword values `("fn", name, *args)`
are resolved in that module (`("fn", "l2_regularizer", 0.1)` ->
`l2_regularizer(0.1)`, `("fn", "batch_norm")` -> the function itself).
"""

import tensorflow as tf

UPDATE_OPS = "update_ops"

CASES = {
    "layer_norm_last_axis": dict(layer="layer_norm", input=[3, 4, 6],
                                 kwargs={"begin_norm_axis": -1, "begin_params_axis": -1}),
    "layer_norm_from_axis_1": dict(layer="layer_norm", input=[2, 3, 4, 5],
                                   kwargs={"begin_norm_axis": 1, "begin_params_axis": 2,
                                           "activation_fn": tf.nn.relu}),
    "layer_norm_no_center_scoped": dict(layer="layer_norm", input=[4, 7],
                                        kwargs={"center": False, "scope": "ln"}, repeat=2,
                                        repeat_reuse=True),
    "fully_connected_relu_regularized": dict(
        layer="fully_connected", input=[3, 5], args=[4],
        kwargs={"weights_regularizer": ("fn", "l2_regularizer", 0.1),
                "biases_regularizer": ("fn", "l1_regularizer", 0.01)}),
    "fully_connected_rank3_batch_norm": dict(
        layer="fully_connected", input=[2, 4, 5], args=[3],
        kwargs={"normalizer_fn": ("fn", "batch_norm"),
                "normalizer_params": {"is_training": True, "scale": True, "decay": 0.9}}),
    "fully_connected_twice_linear": dict(layer="fully_connected", input=[3, 4], args=[4],
                                         kwargs={"activation_fn": None}, repeat=2),
    "conv2d_same_rate2_l2": dict(layer="conv2d", input=[2, 9, 9, 3], args=[4, 3],
                                 kwargs={"rate": 2,
                                         "weights_regularizer": ("fn", "l2_regularizer", 4e-5)}),
    "conv2d_strided_valid_batch_norm": dict(
        layer="conv2d", input=[2, 8, 8, 3], args=[5, [3, 2]],
        kwargs={"stride": 2, "padding": "VALID", "normalizer_fn": ("fn", "batch_norm"),
                "normalizer_params": {"is_training": True, "decay": 0.8}}),
    "conv1d": dict(layer="conv1d", input=[2, 9, 3], args=[4, 3], kwargs={"stride": 2}),
    "conv2d_transpose": dict(layer="conv2d_transpose", input=[2, 4, 4, 3], args=[5, 3],
                             kwargs={"stride": 2}),
    "separable_conv2d": dict(layer="separable_conv2d", input=[2, 6, 6, 3], args=[4, 3],
                             kwargs={"depth_multiplier": 2}),
    "separable_conv2d_depthwise_only": dict(layer="separable_conv2d", input=[2, 6, 6, 3],
                                            args=[None, 3], kwargs={"depth_multiplier": 2}),
    "batch_norm_core_training": dict(layer="batch_norm", input=[4, 3, 3, 5],
                                     kwargs={"is_training": True, "decay": 0.9, "scale": True}),
    "batch_norm_core_inference": dict(layer="batch_norm", input=[4, 3, 3, 5],
                                      kwargs={"is_training": False, "center": False}),
    "batch_norm_fused_rank2_training": dict(layer="batch_norm", input=[6, 5],
                                            kwargs={"is_training": True, "decay": 0.8}),
    "batch_norm_fused_forced_updates": dict(
        layer="batch_norm", input=[4, 3, 3, 5],
        kwargs={"is_training": True, "updates_collections": None, "scale": True,
                "param_regularizers": {"gamma": ("fn", "l2_regularizer", 0.5)}}),
    "batch_norm_fused_zero_debias": dict(
        layer="batch_norm", input=[4, 2, 2, 3],
        kwargs={"is_training": True, "zero_debias_moving_mean": True, "decay": 0.7}),
    "batch_norm_moments_batch_weights": dict(
        layer="batch_norm", input=[4, 3, 5],
        kwargs={"is_training": True, "batch_weights": [0.5, 1.0, 2.0, 1.5], "decay": 0.9,
                "scale": True}),
    "batch_norm_moments_nchw_forced_updates": dict(
        layer="batch_norm", input=[4, 5, 2, 2, 2],
        kwargs={"is_training": True, "updates_collections": None, "data_format": "NCHW"}),
    "dropout_inference": dict(layer="dropout", input=[3, 4],
                              kwargs={"keep_prob": 0.5, "is_training": False}),
    "flatten": dict(layer="flatten", input=[2, 3, 4, 5]),
    "max_pool2d_same": dict(layer="max_pool2d", input=[2, 7, 7, 3], args=[3],
                            kwargs={"padding": "SAME"}),
    "avg_pool2d": dict(layer="avg_pool2d", input=[2, 6, 6, 3], args=[[2, 3]],
                       kwargs={"stride": [2, 1]}),
    "bias_add_relu": dict(layer="bias_add", input=[3, 4],
                          kwargs={"activation_fn": tf.nn.relu,
                                  "initializer": tf.compat.v1.random_normal_initializer()}),
    "repeat_conv2d": dict(layer="repeat", input=[2, 6, 6, 3], args=[2, ("fn", "conv2d"), 4, 3],
                          kwargs={"scope": "conv"}),
    "stack_fully_connected": dict(layer="stack", input=[3, 4],
                                  args=[("fn", "fully_connected"), [5, 6]], kwargs={}),
    # Integer ids (taken modulo `ids_modulo`); not in TF-Slim: recorded from a transcription.
    "embed_sequence": dict(layer="embed_sequence", input=[3, 5], input_dtype="int32",
                           ids_modulo=7, kwargs={"vocab_size": 7, "embed_dim": 4}),
}


def resolve(layers, value):
    """A case value, with `("fn", name, *args)` looked up (and called) in `layers`."""
    if isinstance(value, tuple) and value and value[0] == "fn":
        fn = getattr(layers, value[1])
        return fn(*value[2:]) if len(value) > 2 else fn
    if isinstance(value, dict):
        return {k: resolve(layers, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(layers, v) for v in value]
    return value


def apply_case(layers, case, inputs):
    """Applies a case's layer from `layers` (tf_slim's or tf1track's contrib layers)."""
    args = resolve(layers, case.get("args", []))
    kwargs = resolve(layers, case.get("kwargs", {}))
    out = inputs
    if "ids_modulo" in case:
        out = tf.math.floormod(out, case["ids_modulo"])
    for i in range(case.get("repeat", 1)):
        extra = {"reuse": True} if case.get("repeat_reuse") and i > 0 else {}
        out = getattr(layers, case["layer"])(out, *args, **kwargs, **extra)
    return out
