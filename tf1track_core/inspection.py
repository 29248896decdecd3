"""Looking at tracked TF1 state: names, variables by name, regularization losses."""

import keras
import tensorflow as tf

from tf1track_core import owners
from tf1track_core.keras_variable import TF1KerasVariable, tf1_variable_name


def tf1_name(variable):
    """The TF1 name of a variable, without ':0' (e.g. `dense_one/kernel`).

    Works for the `tf.Variable`s TF1 code sees, for their Keras 3 wrappers in
    `layer.weights`, and for plain Keras 3 variables (their Keras `path`).
    """
    if isinstance(variable, TF1KerasVariable):
        return tf1_variable_name(variable.tf1_variable)
    if isinstance(variable, keras.Variable):
        return variable.path
    return tf1_variable_name(variable)


def tf1_variables(layer_or_module):
    """Every variable tracked by a layer, model or module, by TF1 name.

    Returns:
      A dict from TF1 name to the variable TF1 code uses (the `tf.Variable`,
      not its Keras wrapper), in creation order.

    Raises:
      ValueError: if two different variables share one TF1 name, which a
        name-based checkpoint could not tell apart.
    """
    found = {}
    for variable in _all_variables(layer_or_module):
        raw = variable.tf1_variable if isinstance(variable, TF1KerasVariable) else variable
        name = tf1_name(variable)
        if name in found and found[name] is not raw:
            raise ValueError(
                f"Two different variables of {type(layer_or_module).__name__} are both "
                f"named {name!r}; TF1 names must be unique.")
        found[name] = raw
    return dict(sorted(found.items(), key=lambda item: _creation_index(item[1])))


def regularization_losses(layer_or_module):
    """The current value of every regularizer given to `get_variable` or a TF1 layer.

    Each regularized variable counts once, however the tracked objects nest,
    in creation order. For a Keras 3 layer these are also in `layer.losses`
    (which adds any other Keras losses, e.g. of `get_or_create_layer` models).
    """
    return [tf.convert_to_tensor(loss_fn())
            for store in _stores(layer_or_module)
            for loss_fn in store.regularizers.values()]


def _all_variables(obj):
    if isinstance(obj, keras.layers.Layer):
        return list(obj.weights)
    if hasattr(obj, "weights"):  # tf_keras layers
        return list(obj.weights)
    return list(obj.variables)


def nested_objects(obj):
    """`obj` and every Keras layer or `tf.Module` tracked inside it."""
    if isinstance(obj, keras.layers.Layer):
        return list(obj._flatten_layers(include_self=True))  # pylint: disable=protected-access
    if isinstance(obj, tf.Module):
        return [obj] + list(obj.submodules)
    return [obj]


def _stores(obj):
    """Every TF1 store reachable from `obj`, each once."""
    stores, seen = [], set()
    for candidate in nested_objects(obj):
        store = owners.store_of(candidate)
        if store is not None and id(store) not in seen:
            seen.add(id(store))
            stores.append(store)
    return stores


def _creation_index(variable):
    # Resource variables carry '<handle name>_<uid>' with a process-wide
    # increasing uid: the creation order across every store and layer.
    unique_id = getattr(variable, "_unique_id", "")
    try:
        return int(str(unique_id).rsplit("_", 1)[1])
    except (IndexError, ValueError):
        return float("inf")
