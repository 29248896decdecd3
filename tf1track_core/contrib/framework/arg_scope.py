"""TF1's `arg_scope`: default keyword arguments for decorated functions, by scope.

`@add_arg_scope` marks a function; inside `with arg_scope([fn, ...], **kwargs):`
calls of `fn` get `kwargs` as defaults (explicit arguments still win), nested
scopes override outer ones, and `with arg_scope(saved_scope):` re-enters a
scope that an earlier `with arg_scope(...) as saved_scope` yielded, as in TF
1.15's `tf.contrib.framework` (and TF-Slim). The stack is per thread.

TF-Slim's own `arg_scope` keeps a registry of its own: its scopes reach the
functions it decorated, these reach the functions decorated here.
"""

import contextlib
import functools
import inspect
import threading

_state = threading.local()
_DECORATED_OPS = {}  # key -> names of the keyword arguments an arg_scope may set


def _stack():
    if not hasattr(_state, "stack"):
        _state.stack = [{}]
    return _state.stack


def arg_scope_func_key(op):
    """The key under which `op`'s defaults are kept."""
    return getattr(op, "_key_op", str(op))


def current_arg_scope():
    """The innermost scope: a dict from function key to its default kwargs."""
    return _stack()[-1]


def add_arg_scope(func):
    """Lets `arg_scope` supply default keyword arguments to `func`."""
    key = (func.__module__, func.__qualname__)
    _DECORATED_OPS[key] = tuple(
        name for name, parameter in inspect.signature(func).parameters.items()
        if parameter.default is not inspect.Parameter.empty)

    @functools.wraps(func)
    def func_with_args(*args, **kwargs):
        defaults = current_arg_scope().get(key, {})
        return func(*args, **{**defaults, **kwargs})

    func_with_args._key_op = key  # pylint: disable=protected-access
    return func_with_args


def has_arg_scope(func):
    """Whether `func` was decorated with `add_arg_scope`."""
    return arg_scope_func_key(func) in _DECORATED_OPS


def arg_scoped_arguments(func):
    """The keyword arguments of a decorated `func` that an arg_scope may set."""
    if not has_arg_scope(func):
        raise ValueError(f"{getattr(func, '__name__', func)} is not decorated with add_arg_scope.")
    return _DECORATED_OPS[arg_scope_func_key(func)]


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Within the block, each function of `list_ops_or_scope` defaults to `kwargs`.

    Args:
      list_ops_or_scope: a list or tuple of decorated functions, or a scope
        dict yielded by an earlier `arg_scope` (then `kwargs` must be empty).
      **kwargs: the default keyword arguments.

    Yields:
      The new current scope (a dict), which can be re-entered later.

    Raises:
      ValueError: for an undecorated function, or kwargs given with a scope dict.
      TypeError: for anything else than a list, tuple or dict.
    """
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("When attempting to re-use a scope by suppling a dictionary, "
                             "kwargs must be empty.")
        current = list_ops_or_scope.copy()
    elif isinstance(list_ops_or_scope, (list, tuple)):
        current = current_arg_scope().copy()
        for op in list_ops_or_scope:
            key = arg_scope_func_key(op)
            if key not in _DECORATED_OPS:
                raise ValueError(f"{getattr(op, '__name__', op)} is not decorated with "
                                 "@add_arg_scope")
            current[key] = {**current.get(key, {}), **kwargs}
    else:
        raise TypeError("list_ops_or_scope must either be a list/tuple or reused scope "
                        "(i.e. dict)")
    _stack().append(current)
    try:
        yield current
    finally:
        _stack().pop()
