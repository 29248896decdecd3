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
_FUNC_GRAPH_MODULE = "tensorflow.python.framework.func_graph"


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


class _PendingLoss:
    """A regularizer's loss not computed yet: computed where REGULARIZATION_LOSSES is read."""

    __slots__ = ("loss_fn", "name")

    def __init__(self, loss_fn, name):
        self.loss_fn = loss_fn
        self.name = name

    def compute(self):
        # TF1 computed it under `<variable>/Regularizer/`; scoped reads match on that.
        with tf.compat.v1.name_scope(f"{self.name}/Regularizer/"):
            return self.loss_fn()


class CallCollections:
    """The collections of one outermost tracked call (shared by the calls inside it)."""

    def __init__(self):
        self._lists = {}
        self._stores = []
        self._names = {}  # id(item) -> its name scope, for items that have no `.name` (eager)
        self._has_pending_losses = False
        # Name scopes are recorded relative to the call's (a Keras layer's
        # call runs inside the layer's own name scope, which TF1 code never saw).
        self._entry_name_scope = _current_name_scope()

    def include_store(self, store):
        """Adds the variables and regularizers of `store` and the stores inside it (once each)."""
        if any(included is store for included in self._stores):
            return
        self._stores.append(store)
        for key, variables in store.collections.items():
            target = self._list(key)
            for variable in variables:
                if variable not in target:
                    target.append(variable)
        for name, loss_fn in store.regularizers.items():
            self.add_regularizer(loss_fn, name)
        for child in store.child_stores:
            self.include_store(child)

    def add_regularizer(self, loss_fn, name):
        """Records the regularizer of variable `name`; its loss is computed when first read."""
        self._list(GraphKeys.REGULARIZATION_LOSSES).append(_PendingLoss(loss_fn, name))
        self._has_pending_losses = True

    def add(self, key, value):
        """Appends `value` to collection `key`, remembering its name scope if it has no name."""
        self._list(key).append(value)
        if _item_name(value) is None:
            scope = _current_name_scope()
            if scope.startswith(self._entry_name_scope):
                scope = scope[len(self._entry_name_scope):]
            self._names[id(value)] = scope

    def _list(self, key):
        collection = self._lists.get(key)
        if collection is None:
            collection = self._lists[key] = IdentityList()
        return collection

    def ref(self, key):
        """The live list of collection `key` for this call."""
        collection = self._list(key)
        if key == GraphKeys.REGULARIZATION_LOSSES and self._has_pending_losses:
            # Compute the pending losses in the graph (or eager context) that
            # reads them, in TF1's order; drop those that are None (TF1 did).
            self._has_pending_losses = False
            computed = []
            for item in collection:
                if isinstance(item, _PendingLoss):
                    loss = item.compute()
                    if loss is not None and _item_name(loss) is None:
                        self._names[id(loss)] = f"{item.name}/Regularizer/"
                    item = loss
                if item is not None:
                    computed.append(item)
            collection[:] = computed
        return collection

    def matching(self, key, scope):
        """The items of `key` whose name (or recorded name scope) `re.match`es `scope`."""
        items = self.ref(key)
        if scope is None:
            return IdentityList(items)
        regex = re.compile(scope)
        return IdentityList(item for item in items
                            if regex.match(_item_name(item) or self._names.get(id(item), "")))

    def keys(self):
        """The keys of the collections this call has."""
        return list(self._lists)


def _item_name(item):
    """`item.name` if it has one (eager tensors have none)."""
    try:
        name = item.name
    except (AttributeError, ValueError):
        return None
    return name if isinstance(name, str) else None


def _current_name_scope():
    if context.executing_eagerly():
        return context.context().scope_name
    scope = ops.get_default_graph().get_name_scope()
    return scope + "/" if scope else ""


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
    parents = getattr(_state, "stores", [])
    if parents and store not in parents[-1].child_stores:
        # Later calls of the outer object see this one's variables from the start.
        parents[-1].child_stores.append(store)
    collections.include_store(store)
    _state.current, _state.stores = collections, parents + [store]
    try:
        yield collections
    finally:
        _state.current, _state.stores = outer, parents


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
    """`add_to_collection` where TF1 semantics apply; nothing in plain TF2 code.

    (Outside a tracked call in eager mode the only graph is the process-global
    one, where the items would pile up call after call.)
    """
    if tf1_collections_apply():
        tf.compat.v1.add_to_collection(key, value)


def add_to_collections_tf1(keys, value):
    """`add_to_collections` where TF1 semantics apply; nothing in plain TF2 code."""
    if tf1_collections_apply():
        tf.compat.v1.add_to_collections(keys, value)


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


def _called_by_func_graph():
    """Whether a `FuncGraph` being created (a tf.function, a cond or loop body) is asking.

    It copies the outer graph's collections for itself; inside it, the call's
    collections are redirected again, so it needs none of them (and reading them
    would compute pending losses in the wrong graph and keep them alive).
    """
    return sys._getframe(2).f_globals.get("__name__") == _FUNC_GRAPH_MODULE  # pylint: disable=protected-access


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
    if _patched:
        return
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
            collections.add(name, value)
            return None

        def get_collection_ref(self, name):
            collections = _redirected(self, name)
            if collections is None or _called_by_func_graph():
                return original["get_collection_ref"](self, name)
            return collections.ref(name)

        def get_collection(self, name, scope=None):
            collections = _redirected(self, name)
            if collections is None or _called_by_func_graph():
                return original["get_collection"](self, name, scope)
            return collections.matching(name, scope)

        def get_all_collection_keys(self):
            keys = original["get_all_collection_keys"](self)
            collections = current()
            if (collections is None or _redirected(self, GraphKeys.UPDATE_OPS) is None
                    or _called_by_func_graph()):
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
