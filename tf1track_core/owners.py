"""How each kind of owner object tracks what a TF1 variable store creates.

Three kinds of object may own tracked TF1 code, and each tracks state its own
way:

* a Keras 3 `keras.layers.Layer` / `keras.Model` tracks `keras.Variable`s and
  sub-layers in its tracker (locked once the layer is built) and computes
  regularization losses from `variable.regularizer`;
* a `tf.Module` tracks whatever `tf.Variable`s and modules its attributes hold;
* a legacy Keras 2 (`tf_keras`) layer does the same as a module and takes
  losses through `add_loss(callable)`.
"""

import sys

import keras
import tensorflow as tf

from tf1track_core.keras_variable import TF1KerasVariable, tf1_variable_name

_STORE_ATTRIBUTE = "_tf1_style_var_store"


class UnsupportedOwnerError(TypeError, ValueError):
    """A tracked method was called on an object that cannot own TF1 variables.

    A `TypeError`, and a `ValueError` as the official shim raised, so code
    written for either catches it.
    """

_HOLDER_ATTRIBUTE = "_tf1_style_variables"


def store_of(obj):
    """The `TF1VariableStore` of `obj`, or None if it never ran tracked code."""
    return getattr(obj, "__dict__", {}).get(_STORE_ATTRIBUTE)


def get_or_create_store(obj, store_factory):
    """Returns `obj`'s store, creating it (and its tracking) on first use.

    Raises:
      TypeError: if `obj` is not a Keras layer/model or a `tf.Module`.
    """
    store = store_of(obj)
    if store is None:
        store = store_factory(_owner_for(obj))
        # A plain attribute: not itself a trackable, so neither Keras nor
        # tf.train.Checkpoint sees the variables twice.
        object.__setattr__(obj, _STORE_ATTRIBUTE, store)
    return store


def _owner_for(obj):
    if isinstance(obj, keras.layers.Layer):
        if keras.backend.backend() != "tensorflow":
            raise TypeError(
                "track_tf1_style_variables needs the TensorFlow Keras backend; "
                f"KERAS_BACKEND is {keras.backend.backend()!r}.")
        return KerasLayerOwner(obj)
    if _is_tf_keras_layer(obj):
        return ModuleOwner(obj, add_loss=obj.add_loss)
    if isinstance(obj, tf.Module):
        return ModuleOwner(obj)
    raise UnsupportedOwnerError(
        "track_tf1_style_variables must decorate a method of a keras.layers.Layer, "
        "keras.Model or tf.Module subclass (it is called with `self` first), but it "
        f"was called on {type(obj).__module__}.{type(obj).__qualname__}. Make the class "
        "inherit from one of those, or subclass tf1track_core.VariableScopeModule.")


def _is_tf_keras_layer(obj):
    # Only consult tf_keras if the user already imported it: never import it.
    tf_keras = sys.modules.get("tf_keras")
    return tf_keras is not None and isinstance(obj, tf_keras.layers.Layer)


class TF1StateHolder(tf.Module):
    """The TF1 state of one owner, as a checkpoint dependency of the owner.

    `tf.Module` and `tf.train.Checkpoint` track its dicts, so the owner's
    `variables` and object-based checkpoints include the TF1 variables (keyed
    by TF1 name) and the layers made by `get_or_create_layer`.
    """

    def __init__(self):
        super().__init__(name="tf1_style_variables")
        self.by_name = {}
        self.layers = {}


class _Owner:
    """Tracks TF1 state through a `TF1StateHolder` attribute of the owner."""

    def __init__(self, obj):
        self._obj = obj
        self._holder = None

    def _state_holder(self):
        if self._holder is None:
            self._holder = TF1StateHolder()
            # A normal attribute assignment: Keras 3, tf_keras and tf.Module
            # all record it as a checkpoint dependency.
            setattr(self._obj, _HOLDER_ATTRIBUTE, self._holder)
        return self._holder

    def track_variable(self, variable, regularizer, constraint):
        """Makes `variable` part of the owner's tracked (trainable, saved) state."""
        del regularizer, constraint
        self._state_holder().by_name[tf1_variable_name(variable)] = variable

    def track_layer(self, name, layer):
        """Makes a layer created inside the call part of the owner's tracked state."""
        self._state_holder().layers[name] = layer

    def track_regularizer(self, variable, regularizer):
        """Adds the loss `regularizer()` of an already tracked `variable` to the owner's."""
        del variable, regularizer


class KerasLayerOwner(_Owner):
    """A Keras 3 layer: also wraps each variable for Keras's own tracker."""

    def __init__(self, obj):
        super().__init__(obj)
        self._keras_variables = {}  # id(tf.Variable) -> its TF1KerasVariable

    def track_variable(self, variable, regularizer, constraint):
        """Makes `variable` part of the owner's tracked (trainable, saved) state."""
        super().track_variable(variable, regularizer, constraint)
        keras_variable = TF1KerasVariable(variable, regularizer, constraint)
        self._keras_variables[id(variable)] = keras_variable
        with unlocked_tracker(self._obj):
            self._obj._track_variable(keras_variable)  # pylint: disable=protected-access

    def track_regularizer(self, variable, regularizer):
        """Adds the loss `regularizer()` of an already tracked `variable` to the owner's."""
        self._keras_variables[id(variable)].set_tf1_regularizer(regularizer)

    def track_layer(self, name, layer):
        """Makes a layer created inside the call part of the owner's tracked state."""
        super().track_layer(name, layer)
        with unlocked_tracker(self._obj):
            self._obj._tracker.track(layer)  # pylint: disable=protected-access


class ModuleOwner(_Owner):
    """A `tf.Module`, or a legacy `tf_keras` layer when given its `add_loss`."""

    def __init__(self, obj, add_loss=None):
        super().__init__(obj)
        self._add_loss = add_loss

    def track_variable(self, variable, regularizer, constraint):
        """Makes `variable` part of the owner's tracked (trainable, saved) state."""
        # TF optimizers read the constraint from the tf.Variable itself.
        super().track_variable(variable, regularizer, constraint)
        if regularizer is not None and self._add_loss is not None:
            self._add_loss(regularizer)

    def track_regularizer(self, variable, regularizer):
        """Adds the loss `regularizer()` of an already tracked `variable` to the owner's."""
        if self._add_loss is not None:
            self._add_loss(regularizer)

    def track_layer(self, name, layer):
        """Makes a layer created inside the call part of the owner's tracked state."""
        super().track_layer(name, layer)
        if self._add_loss is not None and hasattr(layer, "losses"):
            self._add_loss(lambda: tf.math.reduce_sum(layer.losses))


class unlocked_tracker:  # pylint: disable=invalid-name
    """Lets a built Keras 3 layer take new state for the duration of a block.

    Keras locks a layer's tracker after `build()`; TF1 code creates its
    variables in the first call, after that point, by design.
    """

    def __init__(self, layer):
        self._tracker = layer._tracker  # pylint: disable=protected-access
        self._was_locked = False

    def __enter__(self):
        self._was_locked = self._tracker.locked
        self._tracker.unlock()

    def __exit__(self, *exc_info):
        if self._was_locked:
            self._tracker.lock()
