"""What TF 1.15's contrib layers share: end-point collections, variable collections, getters."""

import collections as _collections

import tensorflow as tf
from tensorflow.python.framework import smart_cond as _smart_cond
from tensorflow.python.ops import variables as tf_variables

from tf1track_core import graph_collections

v1 = tf.compat.v1


def append_tensor_alias(tensor, alias):
    """Adds `alias` (without a trailing '/') to `tensor.aliases`."""
    alias = alias[:-1] if alias.endswith("/") else alias
    if hasattr(tensor, "aliases"):
        tensor.aliases.append(alias)
    else:
        tensor.aliases = [alias]
    return tensor


def collect_named_outputs(collections, alias, outputs):
    """Adds `outputs`, tagged with `alias`, to the TF1 `collections` (if any); returns it."""
    if collections:
        append_tensor_alias(outputs, alias)
        graph_collections.add_to_collections_tf1(collections, outputs)
    return outputs


def get_tensor_aliases(tensor):
    """The aliases of `tensor`; without any, its name (its op's name for output 0), as TF1."""
    if hasattr(tensor, "aliases"):
        return list(tensor.aliases)
    if tf.executing_eagerly() and not hasattr(tensor, "graph"):
        raise ValueError("An eager tensor without aliases has no name to key it by; "
                         "collect it with collect_named_outputs (an alias).")
    name = tensor.name
    return [name[:-2] if name.endswith(":0") else name]


def convert_collection_to_dict(collection, clear_collection=False):
    """The end points of `collection` as an ordered dict alias -> tensor (slim's)."""
    output = _collections.OrderedDict()
    for tensor in v1.get_collection(collection):
        for alias in get_tensor_aliases(tensor):
            output[alias] = tensor
    if clear_collection:
        v1.get_default_graph().clear_collection(collection)
    return output


def get_variable_collections(variables_collections, name):
    """The collections for variable `name`: a dict's entry, or the list itself."""
    if isinstance(variables_collections, dict):
        return variables_collections.get(name, None)
    return variables_collections


def add_variable_to_collections(variable, collections_set, collections_name):
    """Adds `variable` (each part of a partitioned one) to its named collections."""
    collections = get_variable_collections(collections_set, collections_name) or []
    variables = list(variable) if isinstance(variable, tf_variables.PartitionedVariable) \
        else [variable]
    for collection in collections:
        for var in variables:
            if var not in v1.get_collection(collection):
                graph_collections.add_to_collection_tf1(collection, var)


def constant_value(value_or_tensor_or_var, dtype=None):
    """The Python value of a constant or a constant tensor; None for variables and others.

    Raises:
      ValueError: if `dtype` is given and the tensor has another dtype.
    """
    if value_or_tensor_or_var is None:
        raise ValueError("value_or_tensor_or_var cannot be None")
    if isinstance(value_or_tensor_or_var, tf.Variable):
        return None  # a variable's value may change: not a constant (as TF1)
    if tf.is_tensor(value_or_tensor_or_var):
        if dtype is not None and value_or_tensor_or_var.dtype != dtype:
            raise ValueError(f"{value_or_tensor_or_var} has type "
                             f"{value_or_tensor_or_var.dtype.name}, expected {dtype.name}")
        return tf.get_static_value(value_or_tensor_or_var)
    return value_or_tensor_or_var


def smart_cond(pred, fn1, fn2, name=None):
    """`fn1()` or `fn2()` chosen in Python when `pred` is static, else `tf.cond`."""
    return _smart_cond.smart_cond(pred, fn1, fn2, name=name)


def model_variable_getter(rename=None):
    """A custom getter making model variables, renaming short names via `rename`.

    TF 1.15's layers renamed the core layers' `kernel`/`bias` to
    `weights`/`biases` this way and put them in MODEL_VARIABLES.
    """
    from tf1track_core.contrib.framework import variables  # pylint: disable=import-outside-toplevel

    def layer_variable_getter(getter, name, shape=None, dtype=None, initializer=None, regularizer=None,
               trainable=True, collections=None, caching_device=None, partitioner=None,
               use_resource=None, synchronization=tf.VariableSynchronization.AUTO,
               aggregation=tf.VariableAggregation.NONE, **_):
        head, _, short = name.rpartition("/")
        if rename and short in rename:
            name = f"{head}/{rename[short]}" if head else rename[short]
        return variables.model_variable(
            name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
            collections=collections, trainable=trainable, caching_device=caching_device,
            partitioner=partitioner, custom_getter=getter, use_resource=use_resource,
            synchronization=synchronization, aggregation=aggregation)

    return layer_variable_getter


def two_element_tuple(int_or_tuple):
    """`(a, b)` from an int or a pair (a list, tuple or TensorShape)."""
    if isinstance(int_or_tuple, (list, tuple)):
        if len(int_or_tuple) != 2:
            raise ValueError(f"Must be a list with 2 elements: {int_or_tuple}")
        return int(int_or_tuple[0]), int(int_or_tuple[1])
    if isinstance(int_or_tuple, int):
        return int(int_or_tuple), int(int_or_tuple)
    if isinstance(int_or_tuple, tf.TensorShape) and len(int_or_tuple) == 2:
        return int_or_tuple[0], int_or_tuple[1]
    raise ValueError("Must be an int, a list with 2 elements or a TensorShape of length 2")
