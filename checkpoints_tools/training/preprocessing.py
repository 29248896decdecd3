"""Each family's preprocessing, as one function `(image, label, index, training)`.

The function a run uses is gin-configured (`finetune.preprocessing`); its
random choices (training only) are stateless, seeded by the example's index
in the repeated, shuffled stream and the run's seed, so the pipeline is
deterministic and its iterator can be checkpointed (a resumed run sees the
same examples the interrupted one would have).
"""

import gin
import tensorflow as tf

from zoo import official_resnet_preprocessing
from zoo.slim import inception_preprocessing
from zoo.slim import vgg_preprocessing


def _seed(index, seed):
    return tf.stack([tf.cast(seed, tf.int64), tf.cast(index, tf.int64)])


def _rgb(image):
    """Grayscale images (MNIST-like) as three channels, for the image models."""
    if image.shape[-1] == 1:
        return tf.image.grayscale_to_rgb(image)
    return image


@gin.configurable
def slim_vgg(image, label, index, training, *, image_size=224, resize_side_min=256,
             resize_side_max=512, seed=0):
    """TF-Slim's `vgg_preprocessing` (slim's resnet_v1 / vgg checkpoints were trained with it)."""
    return vgg_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, resize_side_min=resize_side_min,
        resize_side_max=resize_side_max, seed=_seed(index, seed)), label


@gin.configurable
def slim_inception(image, label, index, training, *, image_size=224, seed=0):
    """TF-Slim's `inception_preprocessing` (slim's resnet_v2 / inception checkpoints)."""
    return inception_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, seed=_seed(index, seed)), label


@gin.configurable
def official_resnet(image, label, index, training, *, image_size=224, seed=0):
    """official/resnet's `imagenet_preprocessing` (the official ResNet checkpoints)."""
    return official_resnet_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, seed=_seed(index, seed)), label


@gin.configurable
def scaled(image, label, index, training, *, image_size=224, seed=0):
    """Resize to `image_size`, scale to [-1, 1]; random left-right flips when training."""
    image = tf.image.resize(tf.cast(_rgb(image), tf.float32), [image_size, image_size])
    if training:
        image = tf.image.stateless_random_flip_left_right(image, _seed(index, seed))
    return image / 127.5 - 1.0, label
