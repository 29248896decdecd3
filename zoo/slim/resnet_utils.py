"""Slim's `resnet_utils`: blocks, `conv2d_same`, `stack_blocks_dense`, `resnet_arg_scope`.

As in tensorflow/models research/slim (a superset of tf-slim 1.1.0's):
`stack_blocks_dense` supports `output_stride` (atrous) and
`store_non_strided_activations`.
"""

import collections
import contextlib

import tensorflow as tf

from tf1track_core.contrib import layers as slim
from tf1track_core.contrib.layers.utils import collect_named_outputs
from tf1track_core.contrib.framework import add_arg_scope, arg_scope

v1 = tf.compat.v1


class Block(collections.namedtuple("Block", ["scope", "unit_fn", "args"])):
    """A ResNet block: its scope, unit function and one kwargs dict per unit."""


def bottleneck_block(scope, unit_fn, base_depth, num_units, stride):
    """A block of `num_units` bottleneck units (depth 4 * base_depth); the stride is on the last."""
    unit = {"depth": base_depth * 4, "depth_bottleneck": base_depth, "stride": 1}
    return Block(scope, unit_fn, [unit] * (num_units - 1) + [dict(unit, stride=stride)])


def subsample(inputs, factor, scope=None):
    """Subsamples by `factor` with a 1x1 max pool (identity for factor 1)."""
    if factor == 1:
        return inputs
    return slim.max_pool2d(inputs, [1, 1], stride=factor, scope=scope)


def conv2d_same(inputs, num_outputs, kernel_size, stride, rate=1, scope=None):
    """Strided 2-D convolution with symmetric explicit 'SAME' padding.

    Unlike `conv2d(..., stride, padding='SAME')`, the padding does not depend
    on whether the input size is even, so strided and non-strided nets align.
    """
    if stride == 1:
        return slim.conv2d(inputs, num_outputs, kernel_size, stride=1, rate=rate,
                           padding="SAME", scope=scope)
    kernel_size_effective = kernel_size + (kernel_size - 1) * (rate - 1)
    pad_total = kernel_size_effective - 1
    pad_beg = pad_total // 2
    pad_end = pad_total - pad_beg
    inputs = tf.pad(inputs, [[0, 0], [pad_beg, pad_end], [pad_beg, pad_end], [0, 0]])
    return slim.conv2d(inputs, num_outputs, kernel_size, stride=stride, rate=rate,
                       padding="VALID", scope=scope)


@add_arg_scope
def stack_blocks_dense(net, blocks, output_stride=None, store_non_strided_activations=False,
                       outputs_collections=None):
    """Stacks ResNet blocks in scopes `block/unit_i`, honouring `output_stride`.

    Once the requested output stride is reached, further strides become atrous
    rates. With `store_non_strided_activations`, each block's last-unit stride
    is applied after the block's end point is recorded.

    Raises:
      ValueError: if the output stride cannot be reached.
    """
    current_stride = 1
    rate = 1
    for block in blocks:
        with v1.variable_scope(block.scope, "block", [net]) as sc:
            block_stride = 1
            for i, unit in enumerate(block.args):
                if store_non_strided_activations and i == len(block.args) - 1:
                    # Move the last unit's stride to after the block's end point.
                    block_stride = unit.get("stride", 1)
                    unit = dict(unit, stride=1)
                with v1.variable_scope(f"unit_{i + 1}", values=[net]):
                    if output_stride is not None and current_stride == output_stride:
                        net = block.unit_fn(net, rate=rate, **dict(unit, stride=1))
                        rate *= unit.get("stride", 1)
                    else:
                        net = block.unit_fn(net, rate=1, **unit)
                        current_stride *= unit.get("stride", 1)
                        if output_stride is not None and current_stride > output_stride:
                            raise ValueError("The target output_stride cannot be reached.")
            net = collect_named_outputs(outputs_collections, sc.name, net)
            if output_stride is not None and current_stride == output_stride:
                rate *= block_stride
            else:
                net = subsample(net, block_stride)
                current_stride *= block_stride
                if output_stride is not None and current_stride > output_stride:
                    raise ValueError("The target output_stride cannot be reached.")
    if output_stride is not None and current_stride != output_stride:
        raise ValueError("The target output_stride cannot be reached.")
    return net


def root_block(net, output_stride):
    """The 7x7/2 `conv1` and 3x3/2 `pool1`; returns the net and the output stride left.

    Raises:
      ValueError: if `output_stride` is not a multiple of 4 (the root's stride).
    """
    if output_stride is not None:
        if output_stride % 4 != 0:
            raise ValueError("The output_stride needs to be a multiple of 4.")
        output_stride //= 4
    net = conv2d_same(net, 64, 7, stride=2, scope="conv1")
    net = slim.max_pool2d(net, [3, 3], stride=2, scope="pool1")
    return net, output_stride


def classification_head(net, end_points, scope_name, num_classes, global_pool,
                        spatial_squeeze):
    """The end of slim's ResNets: global pool, 1x1 `logits` conv, squeeze, `predictions`."""
    if global_pool:
        net = tf.reduce_mean(net, [1, 2], name="pool5", keepdims=True)
        end_points["global_pool"] = net
    if num_classes:
        net = slim.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                          scope="logits")
        end_points[scope_name + "/logits"] = net
        if spatial_squeeze:
            net = tf.squeeze(net, [1, 2], name="SpatialSqueeze")
            end_points[scope_name + "/spatial_squeeze"] = net
        end_points["predictions"] = slim.softmax(net, scope="predictions")
    return net


@contextlib.contextmanager
def resnet_arg_scope(weight_decay=0.0001, batch_norm_decay=0.997, batch_norm_epsilon=1e-5,
                     batch_norm_scale=True, activation_fn=tf.nn.relu, use_batch_norm=True):
    """Slim's ResNet defaults: L2-decayed, variance-scaled convs with batch norm and ReLU."""
    batch_norm_params = {"decay": batch_norm_decay, "epsilon": batch_norm_epsilon,
                         "scale": batch_norm_scale}
    with arg_scope([slim.conv2d], weights_regularizer=slim.l2_regularizer(weight_decay),
                   weights_initializer=slim.variance_scaling_initializer(),
                   activation_fn=activation_fn,
                   normalizer_fn=slim.batch_norm if use_batch_norm else None,
                   normalizer_params=batch_norm_params), \
            arg_scope([slim.batch_norm], **batch_norm_params), \
            arg_scope([slim.max_pool2d], padding="SAME"):
        yield
