"""TF 1.15 `tf.contrib.framework` variable helpers (`model_variable`, `get_variables`, ...).

These are the functions TF1 model code (TF-Slim style) builds its variables
and variable lists with; they read and write TF1 collections, which inside a
tracked call are the call's (see `tf1track_core.graph_collections`).
"""

import functools

import tensorflow as tf

from tf1track_core.contrib.framework.arg_scope import add_arg_scope
from tf1track_core.keras_variable import tf1_variable_name

v1 = tf.compat.v1
GraphKeys = v1.GraphKeys


@add_arg_scope
def variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
             collections=None, caching_device=None, device=None, partitioner=None,
             custom_getter=None, use_resource=None,
             synchronization=tf.VariableSynchronization.AUTO,
             aggregation=tf.VariableAggregation.NONE):
    """Gets or creates a variable with `get_variable`, in `collections` (default GLOBAL)."""
    # TF1: None means GLOBAL_VARIABLES; an empty list means no collection at all.
    collections = list(dict.fromkeys(
        collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES]))
    getter = v1.get_variable
    if custom_getter is not None:
        getter = functools.partial(custom_getter, reuse=v1.get_variable_scope().reuse)
    with tf.device(device or ""):
        return getter(name, shape=shape, dtype=dtype, initializer=initializer,
                      regularizer=regularizer, trainable=trainable, collections=collections,
                      caching_device=caching_device, partitioner=partitioner,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)


@add_arg_scope
def model_variable(name, shape=None, dtype=tf.float32, initializer=None, regularizer=None,
                   trainable=True, collections=None, caching_device=None, device=None,
                   partitioner=None, custom_getter=None, use_resource=None,
                   synchronization=tf.VariableSynchronization.AUTO,
                   aggregation=tf.VariableAggregation.NONE):
    """A `variable` that is also in MODEL_VARIABLES (float32 by default)."""
    collections = list(collections or []) + [GraphKeys.GLOBAL_VARIABLES,
                                             GraphKeys.MODEL_VARIABLES]
    return variable(name, shape=shape, dtype=dtype, initializer=initializer,
                    regularizer=regularizer, trainable=trainable, collections=collections,
                    caching_device=caching_device, device=device, partitioner=partitioner,
                    custom_getter=custom_getter, use_resource=use_resource,
                    synchronization=synchronization, aggregation=aggregation)


def local_variable(initial_value, validate_shape=True, name=None, use_resource=None):
    """A non-trainable variable in LOCAL_VARIABLES (`use_resource` is always True in TF2)."""
    del use_resource
    return v1.Variable(initial_value, trainable=False, collections=[GraphKeys.LOCAL_VARIABLES],
                       validate_shape=validate_shape, name=name)


def global_variable(initial_value, validate_shape=True, name=None, use_resource=None):
    """A non-trainable variable in GLOBAL_VARIABLES (`use_resource` is always True in TF2)."""
    del use_resource
    return v1.Variable(initial_value, trainable=False, collections=[GraphKeys.GLOBAL_VARIABLES],
                       validate_shape=validate_shape, name=name)


def add_model_variable(var):
    """Adds `var` to MODEL_VARIABLES unless it is there already."""
    if var not in v1.get_collection(GraphKeys.MODEL_VARIABLES):
        v1.add_to_collection(GraphKeys.MODEL_VARIABLES, var)


def get_variables(scope=None, suffix=None, collection=GraphKeys.GLOBAL_VARIABLES):
    """The variables of `collection` whose names match `scope` (a regex prefix) and `suffix`."""
    if isinstance(scope, v1.VariableScope):
        scope = scope.name
    if suffix is not None:
        if ":" not in suffix:
            suffix += ":"
        scope = (scope or "") + ".*" + suffix
    return v1.get_collection(collection, scope)


def get_model_variables(scope=None, suffix=None):
    """`get_variables` of MODEL_VARIABLES."""
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_local_variables(scope=None, suffix=None):
    """`get_variables` of LOCAL_VARIABLES."""
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_trainable_variables(scope=None, suffix=None):
    """`get_variables` of TRAINABLE_VARIABLES."""
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_variables_by_suffix(suffix, scope=None):
    """The global variables whose names end in `suffix`."""
    return get_variables(scope=scope, suffix=suffix)


def get_variables_by_name(given_name, scope=None):
    """The global variables whose last name part is `given_name` (at any depth, root too)."""
    return get_variables(scope=scope, suffix=f"/{given_name}:|^{given_name}:")


def get_unique_variable(var_op_name):
    """The one global variable named `var_op_name` (without ':0').

    Raises:
      ValueError: if there is none, or more than one.
    """
    candidates = get_variables(scope=var_op_name)
    found = [c for c in candidates if tf1_variable_name(c) == var_op_name]
    if not found:
        raise ValueError(f"Couldn't find variable {var_op_name}")
    if len(found) > 1:
        raise ValueError(f"Variable {var_op_name} is not unique")
    return found[0]


def get_variable_full_name(var):
    """The full name of `var` (of the whole variable for a partition)."""
    save_slice_info = getattr(var, "_save_slice_info", None)
    if save_slice_info:
        return save_slice_info.full_name
    return tf1_variable_name(var)


def get_variables_to_restore(include=None, exclude=None):
    """The global variables under the `include` scopes and none of the `exclude` scopes.

    Raises:
      TypeError: if `include` or `exclude` is given but is not a list or tuple.
    """
    if include is not None and not isinstance(include, (list, tuple)):
        raise TypeError("include is provided but is not a list or a tuple.")
    if exclude is not None and not isinstance(exclude, (list, tuple)):
        raise TypeError("exclude is provided but is not a list or a tuple.")
    variables = get_variables() if include is None else [
        v for scope in include for v in get_variables(scope)]
    excluded = {id(v) for scope in (exclude or []) for v in get_variables(scope)}
    return [v for v in variables if id(v) not in excluded]  # identity, as TF1's set
