"""TF-Slim `resnet_v1` (research/slim's, a superset of tf-slim 1.1.0's), same scopes and order."""

import tensorflow as tf

from tf1track_core.contrib import layers as slim
from tf1track_core.contrib.layers.utils import collect_named_outputs
from tf1track_core.contrib.layers.utils import convert_collection_to_dict
from zoo.slim import resnet_utils
from tf1track_core.contrib.framework import add_arg_scope, arg_scope

v1 = tf.compat.v1


@add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1, outputs_collections=None,
               scope=None):
    """Bottleneck unit: 1x1, 3x3 (strided, atrous `rate`), 1x1 convs; ReLU after the sum."""
    with v1.variable_scope(scope, "bottleneck_v1", [inputs]) as sc:
        depth_in = inputs.shape[-1]
        if depth == depth_in:
            shortcut = resnet_utils.subsample(inputs, stride, "shortcut")
        else:
            shortcut = slim.conv2d(inputs, depth, [1, 1], stride=stride, activation_fn=None,
                                   scope="shortcut")
        residual = slim.conv2d(inputs, depth_bottleneck, [1, 1], stride=1, scope="conv1")
        residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride, rate=rate,
                                            scope="conv2")
        residual = slim.conv2d(residual, depth, [1, 1], stride=1, activation_fn=None,
                               scope="conv3")
        output = tf.nn.relu(shortcut + residual)
        return collect_named_outputs(outputs_collections, sc.name, output)


def resnet_v1(inputs, blocks, num_classes=None, is_training=True, global_pool=True,
              output_stride=None, include_root_block=True, spatial_squeeze=True,
              store_non_strided_activations=False, reuse=None, scope=None):
    """The v1 ResNet generator; returns `(net, end_points)` as slim did."""
    with v1.variable_scope(scope, "resnet_v1", [inputs], reuse=reuse) as sc:
        end_points_collection = sc.original_name_scope + "_end_points"
        with arg_scope([slim.conv2d, bottleneck, resnet_utils.stack_blocks_dense],
                       outputs_collections=end_points_collection), \
                arg_scope([slim.batch_norm], is_training=is_training):
            net = inputs
            if include_root_block:
                net, output_stride = resnet_utils.root_block(net, output_stride)
            net = resnet_utils.stack_blocks_dense(net, blocks, output_stride,
                                                  store_non_strided_activations)
            end_points = convert_collection_to_dict(end_points_collection)
            net = resnet_utils.classification_head(net, end_points, sc.name, num_classes,
                                                   global_pool, spatial_squeeze)
            return net, end_points


def resnet_v1_block(scope, base_depth, num_units, stride):
    """A v1 bottleneck block; the stride is on its last unit."""
    return resnet_utils.bottleneck_block(scope, bottleneck, base_depth, num_units, stride)


# Units per block of the four standard depths (blocks 1-4, strides 2, 2, 2, 1).
UNITS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3)}


def standard_blocks(depth, block_fn):
    """The four blocks of resnet_vX_<depth>."""
    units = UNITS[depth]
    return [block_fn("block1", 64, units[0], 2), block_fn("block2", 128, units[1], 2),
            block_fn("block3", 256, units[2], 2), block_fn("block4", 512, units[3], 1)]
