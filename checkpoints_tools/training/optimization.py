"""Optimizer (any Keras 3 optimizer by name), learning-rate schedule, gradient clipping."""

import math

import gin
import keras
import tensorflow as tf

from checkpoints_tools.training.errors import FinetuneConfigError

_DECAYS = ("constant", "linear", "cosine", "exponential")


@keras.saving.register_keras_serializable(package="tf1track")
class WarmupThenDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `learning_rate` over `warmup_steps`, then a decay.

    Decays: "constant"; "linear" to `end_learning_rate` at `total_steps`;
    "cosine" to `end_learning_rate` at `total_steps`; "exponential":
    `learning_rate * decay_rate ** ((step - warmup_steps) / decay_steps)`.
    """

    def __init__(self, learning_rate, total_steps, warmup_steps=0, decay="constant",
                 end_learning_rate=0.0, decay_rate=0.96, decay_steps=1000):
        if decay not in _DECAYS:
            raise FinetuneConfigError(f"learning-rate decay {decay!r} is not one of "
                                      f"{', '.join(_DECAYS)}.")
        if warmup_steps < 0 or total_steps <= 0 or warmup_steps > total_steps:
            raise FinetuneConfigError(
                f"learning-rate schedule: need 0 <= warmup_steps ({warmup_steps}) <= "
                f"total_steps ({total_steps}) and total_steps > 0.")
        self.learning_rate = float(learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.decay = decay
        self.end_learning_rate = float(end_learning_rate)
        self.decay_rate = float(decay_rate)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        base = self.learning_rate
        after = tf.maximum(step - self.warmup_steps, 0.0)
        span = float(max(self.total_steps - self.warmup_steps, 1))
        fraction = tf.minimum(after / span, 1.0)
        if self.decay == "constant":
            decayed = tf.constant(base)
        elif self.decay == "linear":
            decayed = base + (self.end_learning_rate - base) * fraction
        elif self.decay == "cosine":
            decayed = self.end_learning_rate + (base - self.end_learning_rate) * 0.5 * (
                1.0 + tf.cos(math.pi * fraction))
        else:
            decayed = base * self.decay_rate ** (after / self.decay_steps)
        if self.warmup_steps == 0:
            return decayed
        warm = base * (step + 1.0) / self.warmup_steps
        return tf.where(step < self.warmup_steps, warm, decayed)

    def get_config(self):
        """The schedule's arguments (Keras serialization)."""
        return {"learning_rate": self.learning_rate, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps, "decay": self.decay,
                "end_learning_rate": self.end_learning_rate, "decay_rate": self.decay_rate,
                "decay_steps": self.decay_steps}


@gin.configurable
def learning_rate_schedule(*, total_steps, learning_rate=0.01, warmup_steps=0,
                           decay="constant", end_learning_rate=0.0, decay_rate=0.96,
                           decay_steps=1000):
    """The run's `WarmupThenDecay` (gin: `learning_rate_schedule.decay = "cosine"`, ...)."""
    return WarmupThenDecay(learning_rate, total_steps, warmup_steps, decay, end_learning_rate,
                           decay_rate, decay_steps)


@gin.configurable
def make_optimizer(schedule, *, name="SGD", clip_norm=None, clip_value=None, **arguments):
    """A Keras 3 optimizer by class name, with its arguments, the schedule and clipping.

    Args:
      schedule: the learning rate (a schedule or a number).
      name: a Keras optimizer class name ("SGD", "Adam", "AdamW", "RMSprop", ...).
      clip_norm: clip the gradients to this global norm (Keras's `global_clipnorm`).
      clip_value: clip each gradient element to [-clip_value, clip_value].
      **arguments: the optimizer's own arguments (momentum, beta_1, weight_decay, ...).

    Raises:
      FinetuneConfigError: for an unknown optimizer or argument.
    """
    if clip_norm is not None:
        arguments["global_clipnorm"] = clip_norm
    if clip_value is not None:
        arguments["clipvalue"] = clip_value
    try:
        optimizer_class = keras.optimizers.get(name).__class__
    except ValueError:
        raise FinetuneConfigError(f"optimizer {name!r} is not a Keras 3 optimizer (e.g. SGD, "
                                  "Adam, AdamW, RMSprop, Adagrad, Adafactor).") from None
    try:
        return optimizer_class(learning_rate=schedule, **arguments)
    except (TypeError, ValueError) as error:
        raise FinetuneConfigError(f"optimizer {name}: {' '.join(str(error).split())}") from None
