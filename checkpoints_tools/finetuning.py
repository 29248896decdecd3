"""Fine-tuning a zoo model from an original TF1 checkpoint: the gin-configurable work.

One linear run: resume from `output_dir` if it holds a checkpoint, else
initialise from the TF1 checkpoint (by name, `skip` patterns left alone,
e.g. a new head), else start from scratch; then train with `model.fit`. It
writes the TF2 checkpoint (`output_dir/ckpt-N`), the weights as a TF1
name-based checkpoint (`output_dir/tf1/model.ckpt`, restorable by TF1's
`Saver`), and the operative gin config (`output_dir/config.gin`). Gin files
import this module (configs/*.gin); `tf1track-finetune` parses them.
"""

import pathlib

import gin
import keras
import numpy as np
import tensorflow as tf
from absl import logging

import zoo
from checkpoints_tools.converter import save_tf1_checkpoint
from checkpoints_tools.loader import load_tf1_checkpoint


class FinetuneConfigError(ValueError):
    """A fine-tuning setting that cannot work (reported as a one-line user error)."""


@gin.configurable
def synthetic_images(image_size=64, num_classes=10, num_examples=64, seed=0):
    """A fixed random image classification set, for smoke runs without downloads."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, size=(num_examples, image_size, image_size, 3))
    labels = rng.integers(0, num_classes, size=(num_examples,))
    return tf.data.Dataset.from_tensor_slices((images.astype(np.float32),
                                               labels.astype(np.int32)))


@gin.configurable
def tfds_images(name=gin.REQUIRED, split="train", image_size=224, data_dir=None):
    """A TFDS image classification split, resized, scaled to [-1, 1] (downloads on first use)."""
    import tensorflow_datasets as tfds  # only needed for this source

    def preprocess(example):
        image = tf.image.resize(tf.cast(example["image"], tf.float32), [image_size, image_size])
        return image / 127.5 - 1.0, tf.cast(example["label"], tf.int32)

    return tfds.load(name, split=split, data_dir=data_dir).map(preprocess)


_OPTIMIZERS = {
    "sgd": lambda rate: keras.optimizers.SGD(rate),
    "momentum": lambda rate: keras.optimizers.SGD(rate, momentum=0.9),
    "adam": lambda rate: keras.optimizers.Adam(rate),
}


@gin.configurable
def finetune(*, model=gin.REQUIRED, model_config=None, dataset=gin.REQUIRED,
             output_dir=gin.REQUIRED, tf1_checkpoint=None, skip=(), assignment_map=None,
             steps=100, batch_size=32, learning_rate=0.01, optimizer="momentum",
             shuffle_buffer=1024):
    """Fine-tunes zoo `model`; returns the Keras training history (a dict of lists).

    Args:
      model, model_config: the zoo model and its `zoo.build` kwargs.
      dataset: zero-argument callable returning a `tf.data.Dataset` of
        `(images, labels)` examples.
      output_dir: where checkpoints and `config.gin` go (resumed from if present).
      tf1_checkpoint: the original TF1 checkpoint to start from (by name).
      skip, assignment_map: passed to `load_tf1_checkpoint`.
      steps, batch_size, learning_rate, optimizer: the training run
        (`optimizer` one of "sgd", "momentum", "adam").
    """
    if optimizer not in _OPTIMIZERS:
        raise FinetuneConfigError(f"finetune.optimizer: {optimizer!r} is not one of "
                        f"{', '.join(sorted(_OPTIMIZERS))}.")
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    layer = zoo.build(model, **(model_config or {}))
    if hasattr(layer, "serving_input_specs"):  # e.g. images of any size
        spec = layer.serving_input_specs()[0]
        inputs = keras.Input(spec.shape[1:], dtype=spec.dtype.name)
    else:
        example = next(iter(layer.example_inputs().values()))
        inputs = keras.Input(example.shape[1:], dtype=example.dtype)
    keras_model = keras.Model(inputs, layer(inputs))
    keras_model.compile(optimizer=_OPTIMIZERS[optimizer](learning_rate),
                        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                        metrics=["accuracy"])
    checkpoint = tf.train.Checkpoint(model=keras_model, optimizer=keras_model.optimizer)
    manager = tf.train.CheckpointManager(checkpoint, str(output_dir), max_to_keep=3)

    # Resume, else initialise from the TF1 checkpoint, else from scratch.
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        logging.info("Resumed from %s", manager.latest_checkpoint)
    elif tf1_checkpoint:
        report = load_tf1_checkpoint(layer, tf1_checkpoint, assignment_map=assignment_map,
                                     skip=skip)
        logging.info("Initialised from %s:\n%s", tf1_checkpoint, report.summary())
    else:
        logging.info("No checkpoint to start from: training from scratch.")

    data = dataset().repeat().shuffle(shuffle_buffer, seed=0).batch(batch_size)
    history = keras_model.fit(data, steps_per_epoch=steps, epochs=1, verbose=2, shuffle=False)
    manager.save()
    save_tf1_checkpoint(layer, output_dir / "tf1" / "model.ckpt")
    (output_dir / "config.gin").write_text(gin.operative_config_str())
    logging.info("Operative gin config:\n%s", gin.operative_config_str())
    return history.history
