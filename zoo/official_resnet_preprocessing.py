"""tensorflow/models official/resnet's `imagenet_preprocessing` (the official ResNet checkpoints).

Evaluation: aspect-preserving resize of the smaller side to 256 (bilinear;
sizes truncated as the original), central crop, subtraction of the channel
means. Training: a distorted bounding-box crop (min object covered 0.1, aspect
ratios 0.75-1.33, area 5-100%), random left-right flip, bilinear resize to the
output size, the same mean subtraction. No division by a standard deviation,
as in the TF1 original. Random choices are stateless, from `seed`; images
arrive decoded (TFDS), so the crop is a slice instead of crop-while-decoding.
"""

import tensorflow as tf

CHANNEL_MEANS = (123.68, 116.78, 103.94)
RESIZE_MIN = 256


def _aspect_preserving_resize(image, resize_min):
    shape = tf.shape(image)
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    scale = tf.cast(resize_min, tf.float32) / tf.minimum(height, width)
    new_size = tf.stack([tf.cast(height * scale, tf.int32), tf.cast(width * scale, tf.int32)])
    return tf.compat.v1.image.resize(image, new_size, method=tf.image.ResizeMethod.BILINEAR,
                                     align_corners=False)


def _central_crop(image, height, width):
    shape = tf.shape(image)
    top = (shape[0] - height) // 2
    left = (shape[1] - width) // 2
    return tf.slice(image, [top, left, 0], [height, width, -1])


def preprocess_image(image, output_height, output_width, is_training=False, seed=None):
    """`imagenet_preprocessing.preprocess_image` for a decoded [H, W, 3] image.

    Raises:
      ValueError: for `is_training=True` without a `seed`.
    """
    if is_training:
        if seed is None:
            raise ValueError("official ResNet preprocessing for training needs a seed.")
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        begin, size, _ = tf.image.stateless_sample_distorted_bounding_box(
            tf.shape(image), bounding_boxes=tf.constant([[[0.0, 0.0, 1.0, 1.0]]]),
            seed=seeds[0], min_object_covered=0.1, aspect_ratio_range=[0.75, 1.33],
            area_range=[0.05, 1.0], max_attempts=100, use_image_if_no_bounding_boxes=True)
        image = tf.slice(image, begin, size)
        image = tf.image.stateless_random_flip_left_right(image, seeds[1])
        image = tf.compat.v1.image.resize(tf.cast(image, tf.float32),
                                          [output_height, output_width],
                                          method=tf.image.ResizeMethod.BILINEAR,
                                          align_corners=False)
    else:
        image = _aspect_preserving_resize(tf.cast(image, tf.float32), RESIZE_MIN)
        image = _central_crop(image, output_height, output_width)
    image.set_shape([output_height, output_width, 3])
    return image - tf.constant(CHANNEL_MEANS)
