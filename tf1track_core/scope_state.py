"""TF1 variable-scope state that TF2's eager mode throws away, kept for tracked code.

TensorFlow keeps the TF1 `variable_scope` machinery alive in TF2, with two
deviations that break TF1 semantics inside a tracked method:

* In eager mode every `VariableScope` is forced to `AUTO_REUSE`, so
  `variable_scope(..., reuse=True)` cannot make a missing variable an error.
  `keep_requested_reuse()` installs a narrow wrapper around
  `VariableScope.__init__` that restores a requested `reuse=True` while a
  tf1track store is the active variable store (and only then).
* Default scope names (`variable_scope(None, default_name="block")`) are
  uniquified with a thread-global counter that never resets in eager mode, so a
  second call of the same layer would create `block_1`. `scope_counts()` and
  `set_scope_counts()` let the decorator give every call of one object the
  counts its first call saw.
"""

import threading

from tensorflow.python.eager import context
from tensorflow.python.ops import variable_scope as tf_variable_scope

_patch_lock = threading.Lock()
_patched = False


def active_variable_store():
    """Returns the variable store that `tf.compat.v1.get_variable` uses now."""
    return tf_variable_scope._get_default_variable_store()  # pylint: disable=protected-access


def keep_requested_reuse():
    """Makes eager `variable_scope(reuse=True)` keep `reuse=True` in tracked code.

    Idempotent. Outside a tracked method TensorFlow's behaviour is untouched.
    """
    global _patched
    with _patch_lock:
        if _patched:
            return
        original_init = tf_variable_scope.VariableScope.__init__

        def init_keeping_reuse(self, reuse, *args, **kwargs):
            original_init(self, reuse, *args, **kwargs)
            # TF forces AUTO_REUSE in eager mode; a tf1track store honours
            # TF1's reuse=True (missing variable is an error), so keep it.
            if (reuse is True and context.executing_eagerly()
                    and getattr(active_variable_store(), "_is_tf1track_store", False)):
                self._reuse = True  # pylint: disable=protected-access

        init_keeping_reuse.__wrapped__ = original_init
        tf_variable_scope.VariableScope.__init__ = init_keeping_reuse
        _patched = True


def current_reuse():
    """The reuse mode of the current variable scope (True, False or AUTO_REUSE)."""
    return tf_variable_scope.get_variable_scope().reuse


def scope_counts():
    """A copy of the default-name counters of the current variable-scope store."""
    return dict(tf_variable_scope.get_variable_scope_store().variable_scopes_count)


def set_scope_counts(counts):
    """Replaces the default-name counters of the current variable-scope store."""
    tf_variable_scope.get_variable_scope_store().variable_scopes_count = dict(counts)


def merge_scope_counts(*count_dicts):
    """Per-name maximum of several counter dicts (no name is ever handed out twice)."""
    merged = {}
    for counts in count_dicts:
        for name, count in counts.items():
            merged[name] = max(merged.get(name, 0), count)
    return merged
