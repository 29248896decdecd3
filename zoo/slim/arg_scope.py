"""Slim's `arg_scope`: default keyword arguments for decorated functions, by scope.

`@add_arg_scope` marks a function; inside `with arg_scope([fn, ...], **kwargs):`
calls of `fn` get `kwargs` as defaults (explicit arguments still win), nested
scopes override outer ones, as in TF-Slim.
"""

import contextlib
import functools
import threading

_state = threading.local()


def _stack():
    if not hasattr(_state, "stack"):
        _state.stack = [{}]
    return _state.stack


def _key(fn):
    return getattr(fn, "_arg_scope_key", None)


def add_arg_scope(fn):
    """Lets `arg_scope` supply default keyword arguments to `fn`."""
    key = (fn.__module__, fn.__qualname__)

    @functools.wraps(fn)
    def with_scoped_defaults(*args, **kwargs):
        defaults = _stack()[-1].get(key, {})
        return fn(*args, **{**defaults, **kwargs})

    with_scoped_defaults._arg_scope_key = key  # pylint: disable=protected-access
    return with_scoped_defaults


@contextlib.contextmanager
def arg_scope(list_ops, **kwargs):
    """Within the block, each function of `list_ops` defaults to `kwargs`."""
    current = dict(_stack()[-1])
    for op in list_ops:
        key = _key(op)
        if key is None:
            raise ValueError(f"{getattr(op, '__name__', op)} is not decorated with add_arg_scope.")
        current[key] = {**current.get(key, {}), **kwargs}
    _stack().append(current)
    try:
        yield current
    finally:
        _stack().pop()
