"""tensorflow/models `official/resnet/resnet_model.py` (TF1, 2018) as a tracked Keras layer.

Same functions, same order of layer creation, hence the same variable names
(`resnet_model/conv2d_N/kernel`, `resnet_model/batch_normalization_N/...`,
`resnet_model/dense/kernel`) and numerics: `conv2d_fixed_padding` pads
explicitly before strided convolutions, batch norm uses momentum 0.997 and
epsilon 1e-5 (fused), variance-scaling initialised kernels, no conv biases.
The four block functions are public so single blocks can be built alone, as
the TF1 reference data does.
"""

import keras
import tensorflow as tf

import tf1track_core
from tf1track_core import layers as tf1_layers
from zoo.image_inputs import ImageInputs
from zoo.registry import register

v1 = tf.compat.v1

BATCH_NORM_DECAY = 0.997
BATCH_NORM_EPSILON = 1e-5
CASTABLE_TYPES = (tf.float16,)

# imagenet_main.py's block counts per resnet_size.
IMAGENET_BLOCK_SIZES = {
    18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3],
    101: [3, 4, 23, 3], 152: [3, 8, 36, 3], 200: [3, 24, 36, 3],
}


def batch_norm(inputs, training, data_format):
    """TF1 fused batch normalization with the ResNet momentum and epsilon."""
    return tf1_layers.batch_normalization(
        inputs=inputs, axis=1 if data_format == "channels_first" else 3,
        momentum=BATCH_NORM_DECAY, epsilon=BATCH_NORM_EPSILON, center=True, scale=True,
        training=training, fused=True)


def fixed_padding(inputs, kernel_size, data_format):
    """Pads the spatial dimensions by kernel_size - 1, independently of the input size."""
    pad_total = kernel_size - 1
    pad_beg = pad_total // 2
    pad_end = pad_total - pad_beg
    if data_format == "channels_first":
        return tf.pad(inputs, [[0, 0], [0, 0], [pad_beg, pad_end], [pad_beg, pad_end]])
    return tf.pad(inputs, [[0, 0], [pad_beg, pad_end], [pad_beg, pad_end], [0, 0]])


def conv2d_fixed_padding(inputs, filters, kernel_size, strides, data_format):
    """Strided convolution with explicit padding: the padding depends only on kernel_size."""
    if strides > 1:
        inputs = fixed_padding(inputs, kernel_size, data_format)
    return tf1_layers.conv2d(
        inputs=inputs, filters=filters, kernel_size=kernel_size, strides=strides,
        padding=("SAME" if strides == 1 else "VALID"), use_bias=False,
        kernel_initializer=v1.variance_scaling_initializer(), data_format=data_format)


def building_block_v1(inputs, filters, training, projection_shortcut, strides, data_format):
    """ResNet v1 block without bottleneck: conv-BN-ReLU, conv-BN, add, ReLU."""
    shortcut = inputs
    if projection_shortcut is not None:
        shortcut = projection_shortcut(inputs)
        shortcut = batch_norm(inputs=shortcut, training=training, data_format=data_format)
    inputs = conv2d_fixed_padding(inputs, filters, 3, strides, data_format)
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    inputs = conv2d_fixed_padding(inputs, filters, 3, 1, data_format)
    inputs = batch_norm(inputs, training, data_format)
    return tf.nn.relu(inputs + shortcut)


def building_block_v2(inputs, filters, training, projection_shortcut, strides, data_format):
    """ResNet v2 (pre-activation) block without bottleneck: BN-ReLU-conv twice, add."""
    shortcut = inputs
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    # The projection comes after the first BN and ReLU (it is a 1x1 convolution).
    if projection_shortcut is not None:
        shortcut = projection_shortcut(inputs)
    inputs = conv2d_fixed_padding(inputs, filters, 3, strides, data_format)
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    inputs = conv2d_fixed_padding(inputs, filters, 3, 1, data_format)
    return inputs + shortcut


def bottleneck_block_v1(inputs, filters, training, projection_shortcut, strides, data_format):
    """ResNet v1 bottleneck block: 1x1, 3x3 (strided), 1x1 x4 convolutions with BN."""
    shortcut = inputs
    if projection_shortcut is not None:
        shortcut = projection_shortcut(inputs)
        shortcut = batch_norm(inputs=shortcut, training=training, data_format=data_format)
    inputs = conv2d_fixed_padding(inputs, filters, 1, 1, data_format)
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    inputs = conv2d_fixed_padding(inputs, filters, 3, strides, data_format)
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    inputs = conv2d_fixed_padding(inputs, 4 * filters, 1, 1, data_format)
    inputs = batch_norm(inputs, training, data_format)
    return tf.nn.relu(inputs + shortcut)


def bottleneck_block_v2(inputs, filters, training, projection_shortcut, strides, data_format):
    """ResNet v2 bottleneck block: BN-ReLU before each of the 1x1, 3x3, 1x1 convolutions."""
    shortcut = inputs
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    if projection_shortcut is not None:
        shortcut = projection_shortcut(inputs)
    inputs = conv2d_fixed_padding(inputs, filters, 1, 1, data_format)
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    inputs = conv2d_fixed_padding(inputs, filters, 3, strides, data_format)
    inputs = tf.nn.relu(batch_norm(inputs, training, data_format))
    inputs = conv2d_fixed_padding(inputs, 4 * filters, 1, 1, data_format)
    return inputs + shortcut


def block_layer(inputs, filters, bottleneck, block_fn, blocks, strides, training, name,
                data_format):
    """One set of blocks; only the first projects the shortcut and strides."""
    filters_out = filters * 4 if bottleneck else filters

    def projection_shortcut(inputs):
        return conv2d_fixed_padding(inputs, filters_out, 1, strides, data_format)

    inputs = block_fn(inputs, filters, training, projection_shortcut, strides, data_format)
    for _ in range(1, blocks):
        inputs = block_fn(inputs, filters, training, None, 1, data_format)
    return tf.identity(inputs, name)


def _custom_dtype_getter(getter, name, shape=None, dtype=tf.float32, *args, **kwargs):
    """Creates float16 variables in float32 and casts them, as resnet_model.py did."""
    if dtype in CASTABLE_TYPES:
        variable = getter(name, shape, tf.float32, *args, **kwargs)
        return tf.cast(variable, dtype=dtype, name=name + "_cast")
    return getter(name, shape, dtype, *args, **kwargs)


class OfficialResNet(ImageInputs, keras.layers.Layer):
    """`resnet_model.Model` of tensorflow/models official/resnet, tracked.

    Args are the upstream ones; `block_sizes` and `bottleneck` default from
    `resnet_size` as in imagenet_main.py, the rest to the ImageNet values.
    `call(images, training=False, return_end_points=False)` takes NHWC images
    and returns the logits (`final_dense`), or with `return_end_points` a dict
    of `logits` and the named intermediate tensors (`initial_conv`,
    `initial_max_pool`, `block_layer1`..., `final_reduce_mean`).
    """

    def __init__(self, resnet_size=50, bottleneck=None, num_classes=1001, num_filters=64,
                 kernel_size=7, conv_stride=2, first_pool_size=3, first_pool_stride=2,
                 block_sizes=None, block_strides=(1, 2, 2, 2), resnet_version=2,
                 data_format="channels_last", dtype="float32", **kwargs):
        super().__init__(**kwargs)
        if resnet_version not in (1, 2):
            raise ValueError(f"resnet_version must be 1 or 2, got {resnet_version!r}.")
        if block_sizes is None:
            if resnet_size not in IMAGENET_BLOCK_SIZES:
                raise ValueError(f"resnet_size {resnet_size!r} has no default block_sizes; "
                                 f"use one of {sorted(IMAGENET_BLOCK_SIZES)} or pass block_sizes.")
            block_sizes = IMAGENET_BLOCK_SIZES[resnet_size]
        if len(block_strides) != len(block_sizes):
            raise ValueError(f"block_strides {list(block_strides)} and block_sizes "
                             f"{list(block_sizes)} must have the same length.")
        self.resnet_size = resnet_size
        self.bottleneck = resnet_size >= 50 if bottleneck is None else bottleneck
        self.num_classes = num_classes
        self.num_filters = num_filters
        self.kernel_size = kernel_size
        self.conv_stride = conv_stride
        self.first_pool_size = first_pool_size
        self.first_pool_stride = first_pool_stride
        self.block_sizes = list(block_sizes)
        self.block_strides = list(block_strides)
        self.resnet_version = resnet_version
        self.data_format = data_format
        self.model_dtype = tf.as_dtype(dtype)
        if self.bottleneck:
            self.block_fn = bottleneck_block_v1 if resnet_version == 1 else bottleneck_block_v2
        else:
            self.block_fn = building_block_v1 if resnet_version == 1 else building_block_v2

    @tf1track_core.track_tf1_style_variables
    def call(self, images, training=False, return_end_points=False):
        """The logits for NHWC `images`; with `return_end_points`, a dict of end points."""
        training = bool(training)
        end_points = {}
        with v1.variable_scope("resnet_model", custom_getter=_custom_dtype_getter):
            inputs = tf.cast(images, self.model_dtype)
            if self.data_format == "channels_first":
                inputs = tf.transpose(inputs, [0, 3, 1, 2])
            inputs = conv2d_fixed_padding(inputs, self.num_filters, self.kernel_size,
                                          self.conv_stride, self.data_format)
            inputs = end_points["initial_conv"] = tf.identity(inputs, "initial_conv")
            # v2 leaves BN and ReLU of the first conv to the first block.
            if self.resnet_version == 1:
                inputs = tf.nn.relu(batch_norm(inputs, training, self.data_format))
            if self.first_pool_size:
                inputs = tf1_layers.max_pooling2d(
                    inputs, pool_size=self.first_pool_size, strides=self.first_pool_stride,
                    padding="SAME", data_format=self.data_format)
                inputs = end_points["initial_max_pool"] = tf.identity(inputs, "initial_max_pool")
            for i, num_blocks in enumerate(self.block_sizes):
                name = f"block_layer{i + 1}"
                inputs = block_layer(inputs, self.num_filters * (2 ** i), self.bottleneck,
                                     self.block_fn, num_blocks, self.block_strides[i], training,
                                     name, self.data_format)
                end_points[name] = inputs
            if self.resnet_version == 2:
                inputs = tf.nn.relu(batch_norm(inputs, training, self.data_format))
            axes = [2, 3] if self.data_format == "channels_first" else [1, 2]
            inputs = tf.reduce_mean(inputs, axes, keepdims=True)
            inputs = end_points["final_reduce_mean"] = tf.identity(inputs, "final_reduce_mean")
            inputs = tf.squeeze(inputs, axes)
            inputs = tf1_layers.dense(inputs=inputs, units=self.num_classes)
            logits = tf.identity(inputs, "final_dense")
        if return_end_points:
            return {"logits": logits, **end_points}
        return logits


@register("official_resnet")
def build_official_resnet(**config):
    """`official_resnet`: `OfficialResNet(**config)` (resnet_model.Model's arguments)."""
    return OfficialResNet(**config)
