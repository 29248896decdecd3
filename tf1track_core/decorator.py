"""`track_tf1_style_variables` and `get_or_create_layer`."""

import functools

import tensorflow as tf

from tf1track_core import owners
from tf1track_core import scope_state
from tf1track_core.tracked_call import tracked_call
from tf1track_core.variable_store import TF1VariableStore


def track_tf1_style_variables(method):
    """Decorates a method so the TF1 variables it creates belong to its object.

    Inside the decorated method `tf.compat.v1.get_variable`,
    `tf.compat.v1.variable_scope`, `tf.compat.v1.make_template` and the TF1
    layers of `tf1track_core.layers` behave as in a TF1 graph: names are the
    full scope path, the first call creates each variable and every later call
    (eager or inside `tf.function`) reuses it, `reuse=True` on a missing name
    raises. The variables are tracked by the object: on a Keras 3 layer or
    model they appear in `weights` and regularizers in `losses`; on a
    `tf.Module` in `variables` (see `regularization_losses`).

    Example:

    ```python
    class DoubleDense(keras.layers.Layer):
        @track_tf1_style_variables
        def call(self, inputs):
            with tf.compat.v1.variable_scope("dense_one"):
                kernel = tf.compat.v1.get_variable("kernel", [inputs.shape[-1], 4])
            return tf.matmul(inputs, kernel)

    layer = DoubleDense()
    layer(tf.ones([2, 3]))
    [tf1_name(w) for w in layer.weights]  # ["dense_one/kernel"]
    ```

    Args:
      method: a method of a `keras.layers.Layer`, `keras.Model` or
        `tf.Module` subclass (also a legacy `tf_keras` layer). Keras passes
        `training` to a decorated `call` exactly as to any other layer.

    Returns:
      The decorated method, with the signature of `method`.

    Raises:
      UnsupportedOwnerError (when called; a `TypeError` and, as the official
        shim raised, a `ValueError`): if the object is none of the supported
        kinds.
    """

    @functools.wraps(method)
    def tracked_method(self, *args, **kwargs):
        store = owners.get_or_create_store(self, TF1VariableStore)
        if scope_state.active_variable_store() is store:
            # Re-entrant call on the same object: already inside its scope.
            return method(self, *args, **kwargs)
        with tracked_call(self, store):
            return method(self, *args, **kwargs)

    tracked_method._tf1track_tracked = True  # pylint: disable=protected-access
    return tracked_method


def get_or_create_layer(name, create_layer_method):
    """Creates a nested Keras layer or model once per variable scope and tracks it.

    For TF1 code that builds a Keras model inside a tracked method: the first
    call runs `create_layer_method()`, later calls return the same layer, and
    its weights and losses are tracked by the decorated object.

    Args:
      name: name of the layer, relative to the current variable scope.
      create_layer_method: zero-argument callable returning the layer.

    Returns:
      The layer for `<current variable scope>/<name>`.

    Raises:
      ValueError: if called in eager mode outside a tracked method.
    """
    store = scope_state.active_variable_store()
    if not getattr(store, "_is_tf1track_store", False):
        if not tf.compat.v1.executing_eagerly_outside_functions():
            return create_layer_method()  # Plain TF1 graph: nothing to track.
        raise ValueError(
            f"get_or_create_layer({name!r}) was called outside a method decorated "
            "with track_tf1_style_variables; decorate the method that calls it.")
    scope_name = tf.compat.v1.get_variable_scope().name
    full_name = f"{scope_name}/{name}" if scope_name else name
    return store.get_or_create_layer(full_name, create_layer_method)
