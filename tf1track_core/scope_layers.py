"""Base classes whose `forward_pass` is tracked without writing the decorator."""

import keras
import tensorflow as tf

from tf1track_core.decorator import track_tf1_style_variables


def _track_forward_pass(cls, entry_point):
    # Each subclass that defines forward_pass gets a tracked entry point with
    # forward_pass's signature, so Keras sees its `training` argument.
    if "forward_pass" in cls.__dict__:
        setattr(cls, entry_point, track_tf1_style_variables(cls.__dict__["forward_pass"]))


class VariableScopeLayer(keras.layers.Layer):
    """A Keras 3 layer whose `forward_pass(inputs, ...)` holds TF1 code.

    `call` runs `forward_pass` with TF1 variable tracking, as if decorated with
    `track_tf1_style_variables`; `training` reaches `forward_pass` when its
    signature has it.

    Example:

    ```python
    class Dense(VariableScopeLayer):
        def forward_pass(self, inputs):
            kernel = tf.compat.v1.get_variable("kernel", [inputs.shape[-1], 2])
            return tf.matmul(inputs, kernel)
    ```
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _track_forward_pass(cls, "call")

    def forward_pass(self, *args, **kwargs):
        """The TF1 forward pass; override it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward_pass(inputs, ...).")


class VariableScopeModule(tf.Module):
    """A `tf.Module` whose `forward_pass(...)` holds TF1 code; call the module to run it."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _track_forward_pass(cls, "__call__")

    def forward_pass(self, *args, **kwargs):
        """The TF1 forward pass; override it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward_pass(...).")
