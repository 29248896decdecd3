"""Repairs for the places where TensorFlow 2.21 itself breaks TF1 model code.

* `ops.name_scope(name, default, values) as scope` yields None in TF2's
  eager mode (TF1's eager mode yielded the scope name). TF-Slim names its end
  points and pooling layers with that value, so `max_pool2d` & co. fail in an
  eager tracked call. Inside tracked calls, callers outside TensorFlow and
  Keras get the scope name again (TensorFlow's own ops are written for None,
  and keep it).
* `tensorflow.python.layers.normalization` (TF1's `tf.layers` batch norm,
  which TF-Slim's `batch_norm` uses) routes to a module that no release of
  tf_keras has (`tf_keras.legacy_tf_layers.normalization`), so it fails with
  or without tf_keras. It now resolves to tf1track's TF1 batch
  normalization, which has the same names, arguments and update semantics.

* `tensorflow.python.framework.ops.Tensor` is gone (TF 2.21 moved it), and
  TF-Slim 1.1.0 still names it (`utils.constant_value`, which its fused
  batch norm calls): it is `tf.Tensor` again.
* TF's bundled legacy layers hand each weight regularizer to the active
  variable store (`add_regularizer`, which tf1track's store implements) *and*
  to the layer object itself, which in graph mode (a `tf.function`) also puts
  it in the graph's `REGULARIZATION_LOSSES`: inside a tracked call only the
  store's copy is kept (it reaches `layer.losses` and the collection), so TF1
  code finds each loss once. The legacy layer object's own `.losses` then
  lacks it; TF-Slim builds a new such object on every call and never reads it.

`apply()` is idempotent and runs at the first tracked call and in `install()`.
"""

import importlib
import sys
import threading

import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops

_lock = threading.Lock()
_applied = False
# Callers inside these packages keep TF2's eager `ops.name_scope`.
_TF2_NAME_SCOPE_CALLERS = ("tensorflow.", "keras.", "tf_keras.", "tf1track_core.")


def apply():
    """Applies every repair once."""
    global _applied
    if _applied:
        return
    with _lock:
        if _applied:
            return
        _repair_eager_name_scope()
        if not hasattr(ops, "Tensor"):
            ops.Tensor = tf.Tensor
        _repair_legacy_normalization_layers()
        _count_legacy_layer_regularizers_once()
        _applied = True


def _repair_eager_name_scope():
    from tf1track_core import tracked_call  # pylint: disable=import-outside-toplevel
    original = ops.name_scope

    def name_scope(name, default_name=None, values=None, skip_on_eager=True):
        if (skip_on_eager and tracked_call.in_tracked_call() and context.executing_eagerly()
                and not sys._getframe(1).f_globals.get("__name__", "").startswith(  # pylint: disable=protected-access
                    _TF2_NAME_SCOPE_CALLERS)):
            skip_on_eager = False
        return original(name, default_name, values, skip_on_eager=skip_on_eager)

    name_scope.__wrapped__ = original
    name_scope.__doc__ = original.__doc__
    ops.name_scope = name_scope


def _repair_legacy_normalization_layers():
    legacy_normalization = importlib.import_module("tensorflow.python.layers.normalization")
    legacy_normalization.normalization = importlib.import_module(
        "tf1track_core.layers.normalization")


def _count_legacy_layer_regularizers_once():
    try:
        legacy_base = importlib.import_module("tensorflow.python.keras.legacy_tf_layers.base")
    except ImportError:  # a TensorFlow without its bundled legacy layers: nothing to repair
        return
    from tf1track_core import scope_state  # pylint: disable=import-outside-toplevel
    original = legacy_base.Layer._handle_weight_regularization  # pylint: disable=protected-access

    def handle_weight_regularization(self, name, variable, regularizer):
        if getattr(scope_state.active_variable_store(), "_is_tf1track_store", False):
            return None  # add_weight hands it to the store next.
        return original(self, name, variable, regularizer)

    handle_weight_regularization.__wrapped__ = original
    legacy_base.Layer._handle_weight_regularization = handle_weight_regularization  # pylint: disable=protected-access
