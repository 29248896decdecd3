"""Each family's preprocessing, as one function `(image, label, seed, training)`.

The function a run uses is gin-configured (`finetune.preprocess`). Its random
choices (training only) are stateless, drawn from `seed`: a `[2]` int64 tensor
the loop builds from the run's seed (`finetune.seed`) and the example's index
in the repeated, shuffled stream, so the pipeline is deterministic and its
iterator can be checkpointed (a resumed run sees the examples the interrupted
one would have).
"""

import gin
import tensorflow as tf

from zoo import official_resnet_preprocessing
from zoo.slim import inception_preprocessing
from zoo.slim import vgg_preprocessing


def _rgb(image):
    """Grayscale images (MNIST-like) as three channels, for the image models."""
    if image.shape[-1] == 1:
        return tf.image.grayscale_to_rgb(image)
    return image


@gin.configurable
def slim_vgg(image, label, seed, training, *, image_size=224, resize_side_min=256,
             resize_side_max=512):
    """TF-Slim's `vgg_preprocessing` (slim's resnet_v1 / vgg checkpoints were trained with it)."""
    return vgg_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, resize_side_min=resize_side_min,
        resize_side_max=resize_side_max, seed=seed), label


@gin.configurable
def slim_inception(image, label, seed, training, *, image_size=224):
    """TF-Slim's `inception_preprocessing` (slim's resnet_v2 / inception checkpoints)."""
    return inception_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, seed=seed), label


@gin.configurable
def official_resnet(image, label, seed, training, *, image_size=224):
    """official/resnet's `imagenet_preprocessing` (the official ResNet checkpoints)."""
    return official_resnet_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, seed=seed), label


@gin.configurable
def scaled(image, label, seed, training, *, image_size=224):
    """Resize to `image_size`, scale to [-1, 1]; random left-right flips when training."""
    image = tf.image.resize(tf.cast(_rgb(image), tf.float32), [image_size, image_size])
    if training:
        image = tf.image.stateless_random_flip_left_right(image, seed)
    return image / 127.5 - 1.0, label
