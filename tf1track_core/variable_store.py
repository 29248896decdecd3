"""The TF1 variable store behind `track_tf1_style_variables`.

`tf.compat.v1.get_variable` asks the *default variable store* for a variable by
its full `variable_scope` path. While a tracked method runs, that store is a
`TF1VariableStore` owned by the layer or module the method belongs to, so:

* the first call creates each variable (eagerly, under `tf.init_scope`, with the
  exact TF1 name) and every later call gets the same object back;
* `reuse=True` on a missing name, or a shape/dtype that disagrees with the
  stored variable, raises `ValueError` naming the variable, as TF1 did;
* `partitioner` creates TF1's `name/part_i` variables, carrying the slice
  information TF1's `Saver` used, and returns TF's `PartitionedVariable`, which
  reads as the concatenation of its parts;
* regularizers, constraints and nested layers are handed to the owner so they
  show up in `weights`, `losses` and checkpoints.

The method names and signatures are the ones TensorFlow's own `VariableScope`,
`EagerTemplate` and `make_template` call on a store.
"""

import contextlib
import functools
import inspect

import numpy as np
import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops as tf_ops
from tensorflow.python.ops import variable_scope as tf_variable_scope
from tensorflow.python.ops import variables as tf_variables
from tensorflow.python.util import function_utils

from tf1track_core import graph_collections
from tf1track_core.keras_variable import tf1_variable_name
from tf1track_core import scope_state
from tf1track_core import tracked_call

_AUTO = tf.VariableSynchronization.AUTO
_NO_AGGREGATION = tf.compat.v1.VariableAggregation.NONE


class TF1VariableStore:
    """Stores TF1 variables by full name for one tracked layer or module.

    Args:
      owner: an owner adapter (see `tf1track_core.owners`) told about every
        variable, regularizer and nested layer this store creates.
    """

    # Read by TensorFlow: templates and `EagerVariableStore` only nest inside a
    # store that keeps eager variables.
    _store_eager_variables = True
    # Read by `scope_state` to recognise an active tf1track store.
    _is_tf1track_store = True

    def __init__(self, owner):
        self._owner = owner
        self._vars = {}  # full TF1 name -> tf.Variable, in creation order
        self._partitioned_vars = {}  # full TF1 name -> tf PartitionedVariable
        self._regularizers = {}  # full TF1 name -> zero-argument loss callable
        self._layers = {}  # full scope name -> layer from get_or_create_layer
        self._collections = {}  # TF1 collection key -> variables in it, in order
        self._raw_vars = {}  # TF1 name -> raw tf.Variable created in a tracked call
        self.child_stores = []  # stores of tracked objects called inside this one's calls
        self._first_call_scope_counts = None

    @property
    def variables(self):
        """Every variable this store created, in creation order."""
        return list(self._vars.values())

    @property
    def regularizers(self):
        """Zero-argument callables computing each regularization loss, by name."""
        return dict(self._regularizers)

    def owns(self, variable):
        """Whether `variable` is one this store created (get_variable's or raw)."""
        name = tf1_variable_name(variable)
        return self._vars.get(name) is variable or self._raw_vars.get(name) is variable

    @property
    def collections(self):
        """The TF1 collections of this store's variables: key -> variables, in order."""
        return self._collections

    @property
    def layers(self):
        """The layers made by `get_or_create_layer`, by full scope name."""
        return dict(self._layers)

    @contextlib.contextmanager
    def scope(self):
        """Makes this the default store and gives default names stable values.

        Default scope names (`variable_scope(None, default_name="block")`,
        unnamed TF1 layers) are uniquified by counters. Every call of the owner
        starts from the counters of its first call, so it resolves to the same
        names; an outermost call (no other tracked object running) starts from
        none, like building a fresh TF1 graph, so a model built twice in one
        process gets the same names both times.
        """
        scope_state.keep_requested_reuse()
        counts_before = scope_state.scope_counts()
        outermost = not getattr(scope_state.active_variable_store(), "_is_tf1track_store", False)
        if self._first_call_scope_counts is None:
            self._first_call_scope_counts = {} if outermost else counts_before
        scope_state.set_scope_counts(self._first_call_scope_counts)
        try:
            with tf_variable_scope.with_variable_store(self):
                yield self
        finally:
            if outermost:
                scope_state.set_scope_counts(counts_before)
            else:
                # Inside another tracked call, the names this one handed out
                # stay taken for its siblings, as in one TF1 graph.
                scope_state.set_scope_counts(scope_state.merge_scope_counts(
                    counts_before, scope_state.scope_counts()))

    def get_variable(self,
                     name,
                     shape=None,
                     dtype=tf.float32,
                     initializer=None,
                     regularizer=None,
                     reuse=None,
                     trainable=None,
                     collections=None,
                     caching_device=None,
                     partitioner=None,
                     validate_shape=True,
                     use_resource=None,
                     custom_getter=None,
                     constraint=None,
                     synchronization=_AUTO,
                     aggregation=_NO_AGGREGATION):
        """Gets the variable `name`, creating it on first use (TF1 semantics).

        The arguments are those of `tf.compat.v1.get_variable`, with `name`
        being the full scope path. `collections` are the TF1 collections the
        variable joins (see `graph_collections`); `caching_device` and
        `use_resource` have no meaning for eager resource variables and are
        accepted and ignored, as TF2's own store does.
        """
        del caching_device, use_resource
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError(f"Passed a custom_getter which is not callable: {custom_getter!r}")
        if reuse is not True and context.executing_eagerly():
            # TF2's VariableScope passes reuse=False in eager mode; the scope
            # itself still knows whether TF1 code asked for reuse=True.
            reuse = scope_state.current_reuse()
        dtype = tf.as_dtype(dtype).base_dtype if dtype is not None else None
        synchronization, aggregation, trainable = (
            tf_variables.validate_synchronization_aggregation_trainable(
                synchronization, aggregation, trainable, name))

        def true_getter(name, shape=None, dtype=tf.float32, initializer=None,
                        regularizer=None, reuse=None, trainable=None, collections=None,
                        caching_device=None, partitioner=None, validate_shape=True,
                        use_resource=None, constraint=None, synchronization=_AUTO,
                        aggregation=_NO_AGGREGATION):
            del caching_device, use_resource
            dtype = tf.as_dtype(dtype or tf.float32).base_dtype
            is_scalar = isinstance(shape, (list, tuple)) and not shape
            if partitioner is not None and not is_scalar:
                if not callable(partitioner):
                    raise ValueError(f"Partitioner must be callable, but received: {partitioner!r}")
                return self._get_partitioned_variable(
                    name, partitioner, shape=shape, dtype=dtype, initializer=initializer,
                    regularizer=regularizer, reuse=reuse, trainable=trainable,
                    collections=collections, validate_shape=validate_shape,
                    constraint=constraint, synchronization=synchronization,
                    aggregation=aggregation)
            if reuse is True and name in self._partitioned_vars:
                return self._get_partitioned_variable(
                    name, None, shape=shape, dtype=dtype, initializer=initializer,
                    regularizer=regularizer, reuse=reuse, trainable=trainable,
                    validate_shape=validate_shape, constraint=constraint,
                    synchronization=synchronization, aggregation=aggregation)
            if f"{name}/part_0" in self._vars:
                raise ValueError(
                    f"No partitioner was provided, but a partitioned version of the variable "
                    f"was found: {name}/part_0. Perhaps a variable of the same name was "
                    "already created with partitioning?")
            return self._get_single_variable(
                name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, validate_shape=validate_shape,
                constraint=constraint, synchronization=synchronization,
                aggregation=aggregation)

        getter_kwargs = dict(
            name=name, shape=shape, dtype=dtype, initializer=initializer,
            regularizer=regularizer, reuse=reuse, trainable=trainable,
            collections=collections, caching_device=None, partitioner=partitioner,
            validate_shape=validate_shape, use_resource=True,
            synchronization=synchronization, aggregation=aggregation)
        if custom_getter is None:
            return true_getter(constraint=constraint, **getter_kwargs)
        # Older custom getters predate `constraint`; pass it only if accepted.
        if "constraint" in function_utils.fn_args(custom_getter) or function_utils.has_kwargs(
                custom_getter):
            getter_kwargs["constraint"] = constraint
        return custom_getter(getter=true_getter, **getter_kwargs)

    def _get_single_variable(self, name, shape=None, dtype=tf.float32, initializer=None,
                             regularizer=None, partition_info=None, reuse=None,
                             trainable=True, collections=None, validate_shape=True,
                             constraint=None, synchronization=_AUTO,
                             aggregation=_NO_AGGREGATION):
        """Returns the stored variable `name` or creates it."""
        if shape is not None and initializer is not None and not callable(initializer):
            raise ValueError(
                f"Variable {name}: if initializer is a constant, do not specify shape "
                f"(got shape {list(tf.TensorShape(shape))}); TF1 raised this too.")
        shape = tf.TensorShape(shape) if shape is not None else None
        if name in self._vars:
            found = self._vars[name]
            if shape is not None and not shape.is_compatible_with(found.shape):
                raise ValueError(
                    f"Trying to share variable {name}, but specified shape {shape} "
                    f"and found shape {found.shape}.")
            if (not dtype.is_compatible_with(found.dtype)
                    and _constant_dtype(initializer) != found.dtype):
                # (A constant initializer gives the variable its own dtype, so
                # `get_variable("t", initializer=1)` finds its int32 variable
                # again on later calls despite get_variable's float32 default.)
                raise ValueError(
                    f"Trying to share variable {name}, but specified dtype {dtype.name} "
                    f"and found dtype {found.dtype.name}.")
            return found
        if reuse is True:
            raise ValueError(
                f"Variable {name} does not exist, or was not created with "
                "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")

        initial_value, variable_dtype = _initial_value(
            name, shape, dtype, initializer, partition_info)
        with tf.init_scope(), tf.compat.v1.name_scope(None), tracked_call.store_creating():
            # init_scope: variables live outside any tf.function trace and are
            # made once; name_scope(None): the name is the TF1 scope path only.
            variable = tf.Variable(
                initial_value=initial_value, name=name, trainable=trainable,
                dtype=variable_dtype, validate_shape=validate_shape,
                constraint=constraint, synchronization=synchronization,
                aggregation=aggregation, shape=shape if validate_shape else None)
        self._vars[name] = variable
        loss_fn = _loss_fn(regularizer, variable)
        if loss_fn is not None:
            self._regularizers[name] = loss_fn
        self._owner.track_variable(variable, loss_fn, constraint)
        graph_collections.record_variable(self, variable, collections)
        if loss_fn is not None and graph_collections.current() is not None:
            graph_collections.current().add_regularizer(loss_fn, name)
        return variable

    def get_raw_variable(self, name, create, collections=None):
        """The raw `tf.Variable` TF1 code created as `name`, made by `create()` the first time.

        TF1 code builds its graph once; a tracked call runs it on every call, so
        a `tf.compat.v1.Variable(...)` in it returns the variable of the first
        call, tracked like `get_variable`'s.
        """
        variable = self._raw_vars.get(name)
        if variable is None:
            variable = self._raw_vars[name] = create()
            self._owner.track_variable(variable, None, None)
            graph_collections.record_variable(self, variable, collections)
        return variable

    def add_regularizer(self, variable, regularizer):
        """Adds `regularizer(variable)` to the losses of a variable of this store.

        TensorFlow's bundled legacy `tf.layers` (which TF-Slim builds on) hand
        their weight regularizers over this way instead of to `get_variable`.
        Adding one again for the same variable (a functional layer re-created
        on every call) changes nothing.
        """
        if isinstance(variable, tf_variables.PartitionedVariable):
            for part in variable:  # each part is regularized, as TF1's layers did
                self.add_regularizer(part, regularizer)
            return
        name = tf1_variable_name(variable)
        if name in self._regularizers:
            return
        loss_fn = _loss_fn(regularizer, variable)
        if loss_fn is None:
            return
        self._regularizers[name] = loss_fn
        if self.owns(variable):
            self._owner.track_regularizer(variable, loss_fn)
        if graph_collections.current() is not None:
            graph_collections.current().add_regularizer(loss_fn, name)

    def _get_partitioned_variable(self, name, partitioner, shape=None, dtype=tf.float32,
                                  initializer=None, regularizer=None, reuse=None,
                                  trainable=True, collections=None, validate_shape=True,
                                  constraint=None,
                                  synchronization=_AUTO, aggregation=_NO_AGGREGATION):
        """Returns the stored partitioned variable `name` or creates its parts."""
        shape = tf.TensorShape(shape) if shape is not None else None
        if name in self._vars:
            raise ValueError(
                f"A partitioner was provided, but an unpartitioned version of the variable "
                f"was found: {name}. Perhaps a variable of the same name was already "
                "created without partitioning?")
        if name in self._partitioned_vars:
            found = self._partitioned_vars[name]
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError(
                    f"Trying to reuse partitioned variable {name}, but specified shape "
                    f"{shape} and found shape {found.get_shape()}.")
            if not dtype.is_compatible_with(found.dtype):
                raise ValueError(
                    f"Trying to reuse partitioned variable {name}, but specified dtype "
                    f"{dtype.name} and found dtype {found.dtype.name}.")
            return found
        if reuse is True:
            raise ValueError(
                f"PartitionedVariable {name} does not exist, or was not created with "
                "tf.get_variable(). Did you mean to set reuse=None in VarScope?")
        if shape is None and initializer is not None and not callable(initializer):
            shape = tf.TensorShape(tf.convert_to_tensor(initializer).shape)
        if shape is None or not shape.is_fully_defined():
            raise ValueError(
                f"Shape of a new partitioned variable ({name}) must be fully defined, "
                f"but instead was {shape}.")
        # TF's own helpers, so slicing is exactly the one TF1 checkpoints hold.
        # pylint: disable=protected-access
        partitions = tf_variable_scope._call_partitioner(partitioner, shape, dtype)
        slice_dim, num_slices = tf_variable_scope._get_slice_dim_and_num_slices(partitions)
        parts = []
        for i, (offset, part_shape) in enumerate(
                tf_variable_scope._iter_slices(shape.as_list(), num_slices, slice_dim)):
            part_info = tf_variable_scope._PartitionInfo(
                full_shape=shape.as_list(), var_offset=offset)
            part_initializer, part_init_shape = initializer, part_shape
            if initializer is not None and not callable(initializer):
                part_initializer = _constant_slice(name, initializer, dtype, offset, part_shape)
                part_init_shape = None
            part = self._get_single_variable(
                f"{name}/part_{i}", shape=part_init_shape, dtype=dtype,
                initializer=part_initializer, regularizer=regularizer,
                partition_info=part_info, trainable=trainable, collections=collections,
                validate_shape=validate_shape, constraint=constraint,
                synchronization=synchronization, aggregation=aggregation)
            part._set_save_slice_info(
                tf_variables.Variable.SaveSliceInfo(name, shape.as_list(), offset, part_shape))
            parts.append(part)
        # pylint: enable=protected-access
        partitioned = tf_variables.PartitionedVariable(
            name=name, shape=shape, dtype=dtype, variable_list=parts, partitions=partitions)
        self._partitioned_vars[name] = partitioned
        return partitioned

    def get_or_create_layer(self, name, create_layer_method):
        """Returns the layer stored under `name`, creating and tracking it once."""
        if name not in self._layers:
            layer = create_layer_method()
            self._layers[name] = layer
            self._owner.track_layer(name, layer)
        return self._layers[name]


def _loss_fn(regularizer, variable):
    """`regularizer(variable)` as a zero-argument callable, or None.

    TF1 drops regularizers that return None (e.g. a zero scale).
    """
    if not regularizer:
        return None
    loss_fn = functools.partial(regularizer, variable)
    with tf.init_scope():
        if loss_fn() is None:
            return None
    return loss_fn


def _initial_value(name, shape, dtype, initializer, partition_info):
    """Turns a TF1 `initializer` argument into (initial_value, variable_dtype)."""
    if initializer is None:
        if shape is None:
            raise ValueError(
                f"Variable {name} did not get an initializer, so its `shape` argument "
                "must be specified.")
        initializer = _default_initializer(name, dtype)
    if not callable(initializer):
        # A constant: Python number or list, NumPy array or tensor. As in TF1
        # the variable takes the value's dtype. A tensor of the tf.function
        # being traced cannot initialize a variable made outside it (under
        # init_scope): use its value when it is a constant.
        if _is_graph_tensor(initializer):
            value = tf.get_static_value(initializer)
            if value is None:
                raise ValueError(
                    f"Variable {name}: its initializer is a tensor computed inside a "
                    "tf.function, which cannot initialize a variable created outside it. "
                    "Pass a NumPy value, a Python number or an initializer callable.")
            return value, None
        return initializer, None
    if inspect.isclass(initializer):
        initializer = initializer()
    if shape is not None and shape.is_fully_defined():
        if _accepts_argument(initializer, "partition_info"):
            return functools.partial(initializer, shape.as_list(), dtype=dtype,
                                     partition_info=partition_info), dtype
        return functools.partial(initializer, shape.as_list(), dtype=dtype), dtype
    if _accepts_no_arguments(initializer):
        return initializer, None
    raise ValueError(
        f"Variable {name}: the initializer needs a fully defined shape, got {shape}. "
        "Pass `shape=` or a constant / zero-argument initializer.")


def _constant_dtype(initializer):
    """The dtype a constant initializer gives its variable; None for callables."""
    if initializer is None or callable(initializer):
        return None
    if tf.is_tensor(initializer):
        return initializer.dtype.base_dtype
    with tf.init_scope():
        return tf.convert_to_tensor(initializer).dtype


def _is_graph_tensor(value):
    return tf.is_tensor(value) and not isinstance(value, (tf_ops.EagerTensor, tf.Variable))


def _constant_slice(name, initializer, dtype, offset, part_shape):
    """The part of a constant initializer at `offset`, as a NumPy array (liftable)."""
    value = initializer
    if _is_graph_tensor(initializer):
        value = tf.get_static_value(initializer)
        if value is None:
            raise ValueError(
                f"Partitioned variable {name}: its initializer is a tensor computed inside "
                "a tf.function; pass a NumPy value or an initializer callable.")
    value = np.asarray(value, dtype=dtype.as_numpy_dtype)
    return value[tuple(slice(start, start + size) for start, size in zip(offset, part_shape))]


def _default_initializer(name, dtype):
    """TF1's default: Glorot uniform for floats, zeros for ints, bools, strings."""
    if dtype.is_floating:
        return tf.compat.v1.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_unsigned or dtype.is_bool or dtype == tf.string:
        return tf.compat.v1.zeros_initializer()
    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")


def _accepts_argument(fn, argument):
    try:
        return argument in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _accepts_no_arguments(fn):
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not inspect.Parameter.empty
               or p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
               for p in parameters)
