"""What a tracked call sets up so TF1 code behaves as in a TF1 graph build.

`tracked_call(obj, store)` is entered by `track_tf1_style_variables` around
the decorated method (once per outermost call of an object; a re-entrant call
of the same object runs inside it). It composes one context per TF1
behaviour that TF2 dropped:

* the owner's variable store is TensorFlow's default store, with default
  scope names stable across calls (`TF1VariableStore.scope`);
* TF1 graph collections scoped to the call (`graph_collections`);
* an isolated copy of the current variable scope, so
  `get_variable_scope().set_initializer(...)` and friends in one owner's code
  do not leak into another's;
* the repairs of `tf2_repairs` (e.g. `ops.name_scope(...) as scope`
  yielding the scope name in eager mode to TF1 library code);
* raw `tf.compat.v1.Variable(...)`s created once, in the first call, named
  as TF1 would (name scope + name), and tracked like `get_variable`'s;
* a Keras layer accepting new sub-layers as attributes (Keras 3 locks a
  built layer; TF1-style code creates its layers in `call`).
"""

import contextlib
import copy
import sys
import threading

import keras
import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops
from tensorflow.python.ops import variable_scope as tf_variable_scope

from tf1track_core import graph_collections
from tf1track_core import owners
from tf1track_core import tf2_repairs

_state = threading.local()


@contextlib.contextmanager
def tracked_call(obj, store):
    """Runs the block as a tracked call of `obj`, whose TF1 store is `store`."""
    tf2_repairs.apply()
    with store.scope(), graph_collections.call_collections(store), \
            _isolated_variable_scope(), _raw_variables_of(store), _accepting_new_state(obj):
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            yield
        finally:
            _state.depth -= 1


def in_tracked_call():
    """Whether a tracked call is running on this thread."""
    return getattr(_state, "depth", 0) > 0


@contextlib.contextmanager
def _isolated_variable_scope():
    scope_store = tf_variable_scope.get_variable_scope_store()
    outer = scope_store.current_scope
    scope_store.current_scope = copy.copy(outer)
    try:
        yield
    finally:
        scope_store.current_scope = outer


def _accepting_new_state(obj):
    """Unlocks a built Keras 3 layer's tracker for the call (relocked after)."""
    if isinstance(obj, keras.layers.Layer):
        return owners.unlocked_tracker(obj)
    return contextlib.nullcontext()


# --- raw tf.Variable creation -------------------------------------------------------


@contextlib.contextmanager
def store_creating():
    """Marks the block as the store's own variable creation (not a raw variable)."""
    previous = getattr(_state, "store_creating", False)
    _state.store_creating = True
    try:
        yield
    finally:
        _state.store_creating = previous


@contextlib.contextmanager
def _raw_variables_of(store):
    counts = {}  # TF1 name -> times requested in this call, for TF1's uniquifying
    entry_name_scope = _current_name_scope()

    def creator(next_creator, **kwargs):
        if getattr(_state, "store_creating", False) or _requested_by_keras():
            return next_creator(**kwargs)
        name = _raw_variable_name(kwargs.get("name"), entry_name_scope, counts)
        return store.get_raw_variable(
            name, lambda: _create_lifted(next_creator, name, kwargs), kwargs.get("collections"))

    with tf.variable_creator_scope(creator):
        yield


def _current_name_scope():
    if context.executing_eagerly():
        return context.context().scope_name
    scope = ops.get_default_graph().get_name_scope()
    return scope + "/" if scope else ""


def _raw_variable_name(requested, entry_name_scope, counts):
    """The TF1 name: name scope (relative to the call's) + name, uniquified in the call."""
    base = requested[:-2] if requested and requested.endswith(":0") else (requested or "Variable")
    scope = _current_name_scope()
    if scope.startswith(entry_name_scope):
        scope = scope[len(entry_name_scope):]
    name = scope + base
    count = counts.get(name, 0)
    counts[name] = count + 1
    return name if count == 0 else f"{name}_{count}"


def _create_lifted(next_creator, name, kwargs):
    """Creates the variable outside any tf.function, with its TF1 name."""
    kwargs = dict(kwargs, name=name)
    initial_value = kwargs.get("initial_value")
    if tf.is_tensor(initial_value) and not isinstance(initial_value, (ops.EagerTensor, tf.Variable)):
        constant = tf.get_static_value(initial_value)
        if constant is None:
            raise ValueError(
                f"tf.Variable {name!r} created in a tracked call inside a tf.function has an "
                "initial value computed in the function; pass a NumPy value, a Python "
                "number or a callable, or create it in an eager first call.")
        kwargs["initial_value"] = constant
    kwargs.pop("collections", None)
    # store_creating: the creators of enclosing tracked calls further down the
    # chain must not take this variable for one of their own raw variables.
    with tf.init_scope(), tf.compat.v1.name_scope(None), store_creating():
        return next_creator(**kwargs)


def _requested_by_keras():
    """Whether the code asking for a variable is Keras's (its layers track their own)."""
    frame = sys._getframe(2)  # pylint: disable=protected-access
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("tensorflow.", "tf1track_core.")):
            return module.startswith(("keras.", "tf_keras."))
        frame = frame.f_back
    return False
