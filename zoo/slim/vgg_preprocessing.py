"""Slim's `vgg_preprocessing` for inference, used by the slim ResNet v1 checkpoints.

Aspect-preserving resize of the smaller side to `resize_side` (bilinear),
central crop to `output_height x output_width`, and subtraction of the ImageNet
channel means. (resnet_v2 checkpoints use inception preprocessing instead.)
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
                     resize_side_min=256):
    """slim's `preprocess_image` for inference: [H, W, 3] RGB (0-255) -> network input.

    Raises:
      NotImplementedError: for `is_training=True` (slim's random crops and flips
        are not ported; fine-tune with your own augmentation).
    """
    if is_training:
        raise NotImplementedError("vgg_preprocessing training augmentation is not ported; "
                                  "use is_training=False.")
    resize_side = resize_side_min
    image = tf.cast(image, tf.float32)
    image = _aspect_preserving_resize(image, resize_side)
    image = _central_crop(image, output_height, output_width)
    return image - tf.constant([R_MEAN, G_MEAN, B_MEAN])
