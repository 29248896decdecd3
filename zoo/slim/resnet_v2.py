"""TF-Slim `resnet_v2` (pre-activation), same scopes and order as slim's."""

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
    """Pre-activation bottleneck unit: BN-ReLU ('preact') feeds the shortcut and the convs."""
    with v1.variable_scope(scope, "bottleneck_v2", [inputs]) as sc:
        depth_in = inputs.shape[-1]
        preact = slim.batch_norm(inputs, activation_fn=tf.nn.relu, scope="preact")
        if depth == depth_in:
            shortcut = resnet_utils.subsample(inputs, stride, "shortcut")
        else:
            shortcut = slim.conv2d(preact, depth, [1, 1], stride=stride, normalizer_fn=None,
                                   activation_fn=None, scope="shortcut")
        residual = slim.conv2d(preact, depth_bottleneck, [1, 1], stride=1, scope="conv1")
        residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride, rate=rate,
                                            scope="conv2")
        residual = slim.conv2d(residual, depth, [1, 1], stride=1, normalizer_fn=None,
                               activation_fn=None, scope="conv3")
        output = shortcut + residual
        return collect_named_outputs(outputs_collections, sc.name, output)


def resnet_v2(inputs, blocks, num_classes=None, is_training=True, global_pool=True,
              output_stride=None, include_root_block=True, spatial_squeeze=True, reuse=None,
              scope=None):
    """The v2 ResNet generator; returns `(net, end_points)` as slim did."""
    with v1.variable_scope(scope, "resnet_v2", [inputs], reuse=reuse) as sc:
        end_points_collection = sc.original_name_scope + "_end_points"
        with arg_scope([slim.conv2d, bottleneck, resnet_utils.stack_blocks_dense],
                       outputs_collections=end_points_collection), \
                arg_scope([slim.batch_norm], is_training=is_training):
            net = inputs
            if include_root_block:
                # The first unit's preact does BN and ReLU for the root conv.
                with arg_scope([slim.conv2d], activation_fn=None, normalizer_fn=None):
                    net, output_stride = resnet_utils.root_block(net, output_stride)
            net = resnet_utils.stack_blocks_dense(net, blocks, output_stride)
            # Units end without BN and ReLU in v2: apply them once at the end.
            net = slim.batch_norm(net, activation_fn=tf.nn.relu, scope="postnorm")
            end_points = convert_collection_to_dict(end_points_collection)
            net = resnet_utils.classification_head(net, end_points, sc.name, num_classes,
                                                   global_pool, spatial_squeeze)
            return net, end_points


def resnet_v2_block(scope, base_depth, num_units, stride):
    """A v2 bottleneck block; the stride is on its last unit."""
    return resnet_utils.bottleneck_block(scope, bottleneck, base_depth, num_units, stride)
