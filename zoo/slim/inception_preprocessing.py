"""TF-Slim's `inception_preprocessing` (slim's resnet_v2 and inception checkpoints).

Evaluation: scale to [0, 1], central crop of `central_fraction` (0.875),
bilinear resize, then to [-1, 1]. Training (slim's `preprocess_for_train`, fast
mode): a distorted bounding-box crop (min object covered 0.1, aspect ratios
0.75-1.33, area 5-100%), bilinear resize, random left-right flip, color
distortion (brightness 32/255, then saturation 0.5-1.5: fast mode has one
ordering), clipped, to [-1, 1]. Resizes are TF1's (`align_corners=False`,
no half-pixel centers). The random choices are stateless, from `seed`
(a `[2]` int tensor), so a pipeline stays deterministic and checkpointable.
Images arrive decoded (what TFDS gives), so the crop is a slice rather than
slim's crop-while-decoding.
"""

import tensorflow as tf


def _to_unit_float(image):
    return tf.image.convert_image_dtype(image, tf.float32) if image.dtype != tf.float32 \
        else image


def _distorted_bounding_box_crop(image, seed, min_object_covered=0.1,
                                 aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 1.0),
                                 max_attempts=100):
    begin, size, _ = tf.image.stateless_sample_distorted_bounding_box(
        tf.shape(image), bounding_boxes=tf.constant([[[0.0, 0.0, 1.0, 1.0]]]), seed=seed,
        min_object_covered=min_object_covered, aspect_ratio_range=aspect_ratio_range,
        area_range=area_range, max_attempts=max_attempts, use_image_if_no_bounding_boxes=True)
    return tf.slice(image, begin, size)


def _distort_color_fast(image, seeds):
    """slim's `distort_color(fast_mode=True)`, ordering 0 (fast mode's only one)."""
    image = tf.image.stateless_random_brightness(image, 32.0 / 255.0, seeds[0])
    image = tf.image.stateless_random_saturation(image, 0.5, 1.5, seeds[1])
    return tf.clip_by_value(image, 0.0, 1.0)


def _resize_bilinear(image, height, width):
    return tf.compat.v1.image.resize_bilinear(tf.expand_dims(image, 0), [height, width],
                                              align_corners=False)[0]


def preprocess_image(image, height, width, is_training=False, seed=None, central_fraction=0.875):
    """slim's `preprocess_image`: [H, W, 3] RGB -> network input in [-1, 1].

    Raises:
      ValueError: for `is_training=True` without a `seed`.
    """
    image = _to_unit_float(image)
    if is_training:
        if seed is None:
            raise ValueError("inception preprocessing for training needs a seed.")
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 4)
        image = _distorted_bounding_box_crop(image, seeds[0])
        image = _resize_bilinear(image, height, width)
        image = tf.image.stateless_random_flip_left_right(image, seeds[1])
        image = _distort_color_fast(image, seeds[2:4])
    else:
        image = _resize_bilinear(tf.image.central_crop(image, central_fraction), height, width)
    return (image - 0.5) * 2.0
