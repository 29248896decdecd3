"""TF 1.15 contrib regularizers: l1, l2 (`scale * sum(w**2) / 2`), l1_l2, sum, apply."""

import numbers

import tensorflow as tf
from absl import logging

from tf1track_core import graph_collections

v1 = tf.compat.v1


def _check_scale(scale, what="scale"):
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"{what} cannot be an integer: {scale}")
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale:g}")
        if scale == 0.0:
            logging.info("Scale of 0 disables regularizer.")
            return False
    return True


def l1_regularizer(scale, scope=None):
    """`scale * sum(|w|)`, in name scope `l1_regularizer`; None-returning for scale 0.0.

    Raises:
      ValueError: for an integer or negative scale.
    """
    if not _check_scale(scale):
        return lambda _: None

    def l1(weights, name=None):
        del name
        with tf.name_scope(scope or "l1_regularizer") as name:
            my_scale = tf.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return tf.multiply(my_scale, tf.reduce_sum(tf.abs(weights)), name=name)

    return l1


def l2_regularizer(scale, scope=None):
    """`scale * sum(w ** 2) / 2`, in name scope `l2_regularizer`; None for scale 0.0.

    Raises:
      ValueError: for an integer or negative scale.
    """
    if not _check_scale(scale):
        return lambda _: None

    def l2(weights):
        with tf.name_scope(scope or "l2_regularizer") as name:
            my_scale = tf.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return tf.multiply(my_scale, tf.nn.l2_loss(weights), name=name)

    return l2


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """The sum of an l1 and an l2 regularizer (either alone if the other's scale is 0.0)."""
    if isinstance(scale_l1, numbers.Integral):
        raise ValueError(f"scale_l1 cannot be an integer: {scale_l1}")
    if isinstance(scale_l2, numbers.Integral):
        raise ValueError(f"scale_l2 cannot be an integer: {scale_l2}")
    scope = scope or "l1_l2_regularizer"
    if scale_l1 == 0.0:
        return l2_regularizer(scale_l2, scope)
    if scale_l2 == 0.0:
        return l1_regularizer(scale_l1, scope)
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


def sum_regularizer(regularizer_list, scope=None):
    """The sum of several regularizers (None if the list has none)."""
    regularizer_list = [reg for reg in regularizer_list if reg is not None]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        with tf.name_scope(scope or "sum_regularizer") as name:
            penalties = [reg(weights) for reg in regularizer_list]
            penalties = [p for p in penalties if p is not None]
            return tf.add_n(penalties, name=name) if penalties else None

    return sum_reg


def apply_regularization(regularizer, weights_list=None):
    """Sums `regularizer(w)` over `weights_list` (default: the WEIGHTS collection).

    The sum is also added to REGULARIZATION_LOSSES.

    Raises:
      ValueError: without weights, or if a penalty is not a scalar.
    """
    if not weights_list:
        weights_list = v1.get_collection(v1.GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with tf.name_scope("get_regularization_penalty") as scope:
        penalties = [regularizer(w) for w in weights_list]
        penalties = [p if p is not None else tf.constant(0.0) for p in penalties]
        for p in penalties:
            if p.shape.rank != 0:
                raise ValueError("regularizer must return a scalar Tensor instead of a Tensor "
                                 f"with rank {p.shape.rank}.")
        summed_penalty = tf.add_n(penalties, name=scope)
        graph_collections.add_to_collection_tf1(v1.GraphKeys.REGULARIZATION_LOSSES,
                                                summed_penalty)
        return summed_penalty
