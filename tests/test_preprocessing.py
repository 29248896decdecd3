"""Each family's preprocessing: evaluation numerics as the TF1 originals, training determinism."""

import numpy as np
import pytest
import tensorflow as tf

from checkpoints_tools.training import preprocessing
from zoo import official_resnet_preprocessing
from zoo.slim import inception_preprocessing, vgg_preprocessing

IMAGE = tf.constant(np.random.default_rng(0).integers(0, 256, [300, 400, 3]).astype(np.uint8))


def test_inception_eval_is_central_crop_resize_and_scale_to_minus_one_one():
    out = inception_preprocessing.preprocess_image(IMAGE, 64, 64)
    unit = tf.image.convert_image_dtype(IMAGE, tf.float32)
    expected = tf.compat.v1.image.resize_bilinear(
        tf.image.central_crop(unit, 0.875)[None], [64, 64], align_corners=False)[0]
    np.testing.assert_allclose(out.numpy(), (expected.numpy() - 0.5) * 2.0, atol=1e-6)
    assert out.shape == (64, 64, 3) and float(tf.reduce_min(out)) >= -1.0


def test_official_resnet_eval_truncates_the_resize_then_crops_and_subtracts_means():
    out = official_resnet_preprocessing.preprocess_image(IMAGE, 224, 224)
    # smaller side 300 -> 256: 400 * 256 / 300 = 341.33, truncated to 341 (the original's cast)
    resized = tf.compat.v1.image.resize(tf.cast(IMAGE, tf.float32), [256, 341])
    expected = resized[16:240, 58:282] - [123.68, 116.78, 103.94]
    np.testing.assert_allclose(out.numpy(), expected.numpy(), atol=1e-4)


@pytest.mark.parametrize("fn", [preprocessing.slim_vgg, preprocessing.slim_inception,
                                preprocessing.official_resnet])
def test_training_augmentation_is_deterministic_per_example_and_varies_across_examples(fn):
    first, _ = fn(IMAGE, 0, tf.constant([0, 5], tf.int64), True, image_size=64)
    again, _ = fn(IMAGE, 0, tf.constant([0, 5], tf.int64), True, image_size=64)
    other, _ = fn(IMAGE, 0, tf.constant([0, 6], tf.int64), True, image_size=64)
    assert first.shape == (64, 64, 3)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert not np.allclose(first.numpy(), other.numpy())


def test_vgg_training_needs_a_seed_and_grayscale_inputs_become_rgb():
    with pytest.raises(ValueError, match="needs a seed"):
        vgg_preprocessing.preprocess_image(IMAGE, 64, 64, is_training=True)
    gray = tf.zeros([28, 28, 1], tf.uint8)
    out, label = preprocessing.scaled(gray, 3, tf.constant([0, 0], tf.int64), False,
                                      image_size=32)
    assert out.shape == (32, 32, 3) and label == 3
