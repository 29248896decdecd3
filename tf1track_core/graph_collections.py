"""TF1 graph collections inside tracked calls, scoped to the call.

TF1 model and training code talks to the graph through collections:
`tf.compat.v1.trainable_variables()`, `get_collection(UPDATE_OPS)`,
`losses.get_regularization_losses()`, `train.get_global_step()`, slim's
end-point collections. In TF2's eager mode those read a process-global graph
that nothing fills (so TF1 code silently trains without weight decay), and
whatever code adds there leaks from one layer to the next.

While a tracked call runs, the collections of the default graph (eager, or
a `tf.function` being traced from eager) are those of the call:

* variable collections (`GLOBAL_VARIABLES`, `TRAINABLE_VARIABLES`,
  `MODEL_VARIABLES`, `LOCAL_VARIABLES`, `GLOBAL_STEP`, ...) hold every
  variable of the owner and of the tracked objects inside it, in creation
  order, from the first call on, as a TF1 graph would after being built;
* `REGULARIZATION_LOSSES` holds the current value of each regularizer of
  those variables (computed when first read in the call, in the graph being
  built) and whatever the call adds;
* every other collection (`UPDATE_OPS`, `LOSSES`, end points, ...) starts
  empty and holds what the call adds (`tf.compat.v1.losses.*` add their
  losses in eager tracked calls too, as in a TF1 graph).

Nothing is left behind: after the outermost call the graph's own
collections are untouched. TensorFlow's internal collections (variable
stores, control-flow contexts, savers, ...) always go to the real graph.
Lists handed out compare their items by identity, as TF1's did, so
`var not in tf.compat.v1.get_collection(...)` works under TF2's elementwise
`==` for tensors and variables.
"""

import contextlib
import re
import sys
import threading

import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops
from tensorflow.python.ops.losses import util as losses_util

GraphKeys = tf.compat.v1.GraphKeys

# TensorFlow's own bookkeeping: never redirected (besides any key that is not
# a string or starts with "_", e.g. the variable-store keys).
_TENSORFLOW_INTERNAL_KEYS = frozenset([
    GraphKeys.COND_CONTEXT, GraphKeys.WHILE_CONTEXT, GraphKeys.SAVERS,
    GraphKeys.QUEUE_RUNNERS, GraphKeys.TABLE_INITIALIZERS, GraphKeys.ASSET_FILEPATHS,
    GraphKeys.RESOURCES, GraphKeys.LOCAL_RESOURCES, GraphKeys.SAVEABLE_OBJECTS,
    GraphKeys.INIT_OP, GraphKeys.LOCAL_INIT_OP, GraphKeys.READY_OP,
    GraphKeys.READY_FOR_LOCAL_INIT_OP, GraphKeys.SUMMARY_OP, GraphKeys.TRAIN_OP,
    "critical_section_executions",
])

_state = threading.local()
_patch_lock = threading.Lock()
_patched = False


class IdentityList(list):
    """A list whose membership tests compare by identity, as TF1 collections did."""

    def __contains__(self, value):
        return any(item is value for item in self)

    def index(self, value, *args):
        """The position of `value` itself (not of an equal item)."""
        for position, item in enumerate(self):
            if item is value:
                return position
        raise ValueError(f"{value!r} is not in the collection")

    def count(self, value):
        """How many times `value` itself is in the list."""
        return sum(1 for item in self if item is value)

    def remove(self, value):
        """Removes the first occurrence of `value` itself."""
        del self[self.index(value)]


class CallCollections:
    """The collections of one outermost tracked call (shared by the calls inside it)."""

    def __init__(self):
        self._lists = {}
        self._stores = []
        self._pending_losses = []  # (position in REGULARIZATION_LOSSES, loss_fn)

    def include_store(self, store):
        """Adds `store`'s variables and regularizers, unless it is already included."""
        if any(included is store for included in self._stores):
            return
        self._stores.append(store)
        for key, variables in store.collections.items():
            target = self._list(key)
            for variable in variables:
                if variable not in target:
                    target.append(variable)
        for loss_fn in store.regularizers.values():
            self.add_regularizer(loss_fn)

    def add_regularizer(self, loss_fn):
        """Records a regularizer whose loss joins REGULARIZATION_LOSSES when read."""
        losses = self._list(GraphKeys.REGULARIZATION_LOSSES)
        self._pending_losses.append((len(losses), loss_fn))
        losses.append(None)

    def _list(self, key):
        collection = self._lists.get(key)
        if collection is None:
            collection = self._lists[key] = IdentityList()
        return collection

    def ref(self, key):
        """The live list of collection `key` for this call."""
        collection = self._list(key)
        if key == GraphKeys.REGULARIZATION_LOSSES and self._pending_losses:
            # Compute the pending losses in the graph (or eager context) that
            # reads them, in TF1's order; drop those that are None (TF1 did).
            pending, self._pending_losses = self._pending_losses, []
            values = {position: loss_fn() for position, loss_fn in pending}
            collection[:] = [values.get(position, item) for position, item in enumerate(collection)
                             if values.get(position, item) is not None]
        return collection

    def keys(self):
        """The keys of the collections this call has."""
        return list(self._lists)


def current():
    """The `CallCollections` of the running tracked call, or None."""
    return getattr(_state, "current", None)


@contextlib.contextmanager
def call_collections(store):
    """Gives the block (a tracked call of `store`'s owner) its own collections.

    An outermost call starts new collections; a call inside another tracked
    call shares them (one TF1 graph) and adds its own store's variables.
    """
    _patch_graph_collections()
    outer = current()
    collections = outer if outer is not None else CallCollections()
    collections.include_store(store)
    _state.current = collections
    try:
        yield collections
    finally:
        _state.current = outer


def record_variable(store, variable, collections):
    """Records a new variable of `store` in `collections` (TF1's defaults if None)."""
    keys = list(collections) if collections is not None else [GraphKeys.GLOBAL_VARIABLES]
    if variable.trainable and GraphKeys.TRAINABLE_VARIABLES not in keys:
        keys.append(GraphKeys.TRAINABLE_VARIABLES)
    for key in keys:
        _remember(store, key, variable)


def tf1_collections_apply():
    """Whether TF1 collection semantics apply here: a TF1 graph or a tracked call."""
    return current() is not None or not ops.executing_eagerly_outside_functions()


def add_to_collection_tf1(key, value):
    """`add_to_collection` where TF1 semantics apply; nothing in plain TF2 code."""
    if tf1_collections_apply():
        tf.compat.v1.add_to_collection(key, value)


def _remember(store, key, variable):
    entries = store.collections.setdefault(key, IdentityList())
    if variable not in entries:
        entries.append(variable)
    collections = current()
    if collections is not None:
        target = collections._list(key)  # pylint: disable=protected-access
        if variable not in target:
            target.append(variable)


def _redirected(graph, key):
    """The call's collections, if `key` of `graph` belongs to a running tracked call."""
    collections = current()
    if (collections is None or not isinstance(key, str) or key.startswith("_")
            or key in _TENSORFLOW_INTERNAL_KEYS):
        return None
    if graph is not ops.get_default_graph() or not ops.executing_eagerly_outside_functions():
        return None  # A TF1 graph built inside the call keeps its own collections.
    return collections


def _store_owning(value):
    """The active tf1track store if `value` is one of its variables, else None."""
    if not isinstance(value, tf.Variable):
        return None
    from tf1track_core import scope_state  # pylint: disable=import-outside-toplevel
    store = scope_state.active_variable_store()
    if getattr(store, "_is_tf1track_store", False) and store.owns(value):
        return store
    return None


def _patch_add_loss():
    """Makes `tf.compat.v1.losses.add_loss` collect in eager tracked calls.

    TF1's eager mode skipped the collection; a tracked call runs TF1 *graph*
    code, whose `tf.compat.v1.losses.get_total_loss()` needs it.
    """
    original = losses_util.add_loss

    def add_loss(loss, loss_collection=GraphKeys.LOSSES):
        if loss_collection and current() is not None and context.executing_eagerly():
            ops.add_to_collection(loss_collection, loss)
            return None
        return original(loss, loss_collection)

    add_loss.__wrapped__ = original
    add_loss.__doc__ = original.__doc__
    losses_util.add_loss = add_loss
    for module in (tf.compat.v1.losses, sys.modules.get("tensorflow.compat.v1.losses")):
        if module is not None and getattr(module, "add_loss", None) is original:
            module.add_loss = add_loss


def _patch_graph_collections():
    """Routes `tf.Graph`'s collection methods through `_redirected`. Idempotent."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        _patch_add_loss()
        graph_class = ops.Graph
        original = {name: getattr(graph_class, name) for name in (
            "add_to_collection", "get_collection_ref", "get_collection",
            "get_all_collection_keys", "clear_collection")}

        def add_to_collection(self, name, value):
            collections = _redirected(self, name)
            if collections is None:
                return original["add_to_collection"](self, name, value)
            store = _store_owning(value)
            if store is not None:
                # A store's variables stay in their collections on later calls,
                # as after one TF1 graph build.
                _remember(store, name, value)
                return None
            collections.ref(name).append(value)
            return None

        def get_collection_ref(self, name):
            collections = _redirected(self, name)
            if collections is None:
                return original["get_collection_ref"](self, name)
            return collections.ref(name)

        def get_collection(self, name, scope=None):
            collections = _redirected(self, name)
            if collections is None:
                return original["get_collection"](self, name, scope)
            items = collections.ref(name)
            if scope is None:
                return IdentityList(items)
            regex = re.compile(scope)
            return IdentityList(item for item in items
                                if isinstance(getattr(item, "name", None), str)
                                and regex.match(item.name))

        def get_all_collection_keys(self):
            keys = original["get_all_collection_keys"](self)
            collections = current()
            if collections is None or _redirected(self, GraphKeys.UPDATE_OPS) is None:
                return keys
            return [k for k in keys if _redirected(self, k) is None] + collections.keys()

        def clear_collection(self, name):
            collections = _redirected(self, name)
            if collections is None:
                return original["clear_collection"](self, name)
            del collections.ref(name)[:]
            return None

        for name, replacement in (("add_to_collection", add_to_collection),
                                  ("get_collection_ref", get_collection_ref),
                                  ("get_collection", get_collection),
                                  ("get_all_collection_keys", get_all_collection_keys),
                                  ("clear_collection", clear_collection)):
            replacement.__wrapped__ = original[name]
            replacement.__doc__ = original[name].__doc__
            setattr(graph_class, name, replacement)
        _patched = True
