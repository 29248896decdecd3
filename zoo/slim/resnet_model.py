"""The TF-Slim ResNets as tracked Keras layers, registered in the zoo.

`resnet_v1_50` ... `resnet_v2_200` are slim's standard nets; `resnet_v1` and
`resnet_v2` take custom `blocks`, each `[scope, base_depth, num_units, stride]`
as slim's `resnet_v1_block(scope, base_depth, num_units, stride)`. Config keys
are slim's (`num_classes`, `global_pool`, `output_stride`, `spatial_squeeze`,
`store_non_strided_activations`, `scope`, and `resnet_arg_scope`'s
`weight_decay`, `batch_norm_decay`, `batch_norm_epsilon`, `batch_norm_scale`);
`training` replaces `is_training`.
"""

import keras
import tensorflow as tf

import tf1track_core
from zoo.image_inputs import ImageInputs
from zoo.registry import register
from zoo.slim import resnet_utils, resnet_v1, resnet_v2

_VERSIONS = {
    1: (resnet_v1.resnet_v1, resnet_v1.resnet_v1_block),
    2: (resnet_v2.resnet_v2, resnet_v2.resnet_v2_block),
}


class SlimResNet(ImageInputs, keras.layers.Layer):
    """A slim ResNet: `call(images, training=False, return_end_points=False)`.

    Returns the logits (or, with `num_classes=None`, the pooled features);
    with `return_end_points`, a dict of `logits` and slim's end points
    (`resnet_v1_50/block1`, `global_pool`, `predictions`, ...).
    """

    def __init__(self, version, blocks, scope, num_classes=1000, global_pool=True,
                 output_stride=None, spatial_squeeze=True, store_non_strided_activations=False,
                 include_root_block=True, weight_decay=0.0001, batch_norm_decay=0.997,
                 batch_norm_epsilon=1e-5, batch_norm_scale=True, **kwargs):
        super().__init__(**kwargs)
        if version not in _VERSIONS:
            raise ValueError(f"slim ResNet version must be 1 or 2, got {version!r}.")
        if store_non_strided_activations and version != 1:
            raise ValueError("store_non_strided_activations exists for resnet_v1 only.")
        self.version = version
        self.block_specs = [list(b) for b in blocks]
        self.scope = scope
        self.num_classes = num_classes
        self.global_pool = global_pool
        self.output_stride = output_stride
        self.spatial_squeeze = spatial_squeeze
        self.store_non_strided_activations = store_non_strided_activations
        self.include_root_block = include_root_block
        self.arg_scope = dict(weight_decay=weight_decay, batch_norm_decay=batch_norm_decay,
                              batch_norm_epsilon=batch_norm_epsilon,
                              batch_norm_scale=batch_norm_scale)

    @tf1track_core.track_tf1_style_variables
    def call(self, images, training=False, return_end_points=False):
        """The logits for NHWC `images`; with `return_end_points`, a dict of end points."""
        net_fn, block_fn = _VERSIONS[self.version]
        blocks = [block_fn(*spec) for spec in self.block_specs]
        extra = ({"store_non_strided_activations": self.store_non_strided_activations}
                 if self.version == 1 else {})
        with resnet_utils.resnet_arg_scope(**self.arg_scope):
            net, end_points = net_fn(
                images, blocks, num_classes=self.num_classes, is_training=bool(training),
                global_pool=self.global_pool, output_stride=self.output_stride,
                include_root_block=self.include_root_block,
                spatial_squeeze=self.spatial_squeeze, scope=self.scope, **extra)
        if return_end_points:
            return {"logits": net, **end_points}
        return net


def _standard_blocks(depth):
    units = resnet_v1.UNITS[depth]
    return [["block1", 64, units[0], 2], ["block2", 128, units[1], 2],
            ["block3", 256, units[2], 2], ["block4", 512, units[3], 1]]


def _register_standard(version, depth):
    name = f"resnet_v{version}_{depth}"

    @register(name)
    def build(scope=name, **config):
        return SlimResNet(version, _standard_blocks(depth), scope, **config)

    build.__doc__ = f"slim's `{name}` (blocks of {resnet_v1.UNITS[depth]} units)."
    return build


for _version in (1, 2):
    for _depth in resnet_v1.UNITS:
        _register_standard(_version, _depth)


@register("resnet_v1")
def build_resnet_v1(blocks, scope="resnet_v1", **config):
    """slim `resnet_v1` with custom blocks `[[scope, base_depth, num_units, stride], ...]`."""
    return SlimResNet(1, blocks, scope, **config)


@register("resnet_v2")
def build_resnet_v2(blocks, scope="resnet_v2", **config):
    """slim `resnet_v2` with custom blocks `[[scope, base_depth, num_units, stride], ...]`."""
    return SlimResNet(2, blocks, scope, **config)
