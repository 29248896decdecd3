"""Slim's `vgg_preprocessing`, used by the slim ResNet v1 checkpoints.

Evaluation: aspect-preserving resize of the smaller side to `resize_side_min`
(bilinear), central crop to `output_height x output_width`, subtraction of the
ImageNet channel means. Training (as slim's `preprocess_for_train`): the
smaller side resized to a random size in `[resize_side_min, resize_side_max]`,
a random crop, a random left-right flip, the same mean subtraction. The random
choices are stateless, drawn from `seed` (a `[2]` int tensor; e.g. built from
the example's index), so a data pipeline stays deterministic and its
iterator checkpointable. (resnet_v2 checkpoints use inception preprocessing.)
"""

import tensorflow as tf

R_MEAN, G_MEAN, B_MEAN = 123.68, 116.78, 103.94


def _aspect_preserving_resize(image, smallest_side):
    shape = tf.shape(image)
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    scale = tf.cast(smallest_side, tf.float32) / tf.minimum(height, width)
    new_size = tf.stack([tf.cast(tf.math.rint(height * scale), tf.int32),
                         tf.cast(tf.math.rint(width * scale), tf.int32)])
    resized = tf.compat.v1.image.resize_bilinear(tf.expand_dims(image, 0), new_size,
                                                 align_corners=False)
    return tf.squeeze(resized, [0])


def _central_crop(image, height, width):
    shape = tf.shape(image)
    top = (shape[0] - height) // 2
    left = (shape[1] - width) // 2
    return tf.slice(image, tf.stack([top, left, 0]), [height, width, 3])


def preprocess_image(image, output_height=224, output_width=224, is_training=False,
                     resize_side_min=256, resize_side_max=512, seed=None):
    """slim's `preprocess_image`: [H, W, 3] RGB (0-255) -> network input.

    Raises:
      ValueError: for `is_training=True` without a `seed`.
    """
    image = tf.cast(image, tf.float32)
    if not is_training:
        image = _aspect_preserving_resize(image, resize_side_min)
        image = _central_crop(image, output_height, output_width)
        return image - tf.constant([R_MEAN, G_MEAN, B_MEAN])
    if seed is None:
        raise ValueError("vgg preprocessing for training needs a seed (a [2] int tensor).")
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    resize_side = tf.random.stateless_uniform([], seeds[0], minval=resize_side_min,
                                              maxval=resize_side_max + 1, dtype=tf.int32)
    image = _aspect_preserving_resize(image, resize_side)
    image = tf.image.stateless_random_crop(image, [output_height, output_width, 3], seeds[1])
    image = tf.image.stateless_random_flip_left_right(image, seeds[2])
    return image - tf.constant([R_MEAN, G_MEAN, B_MEAN])
