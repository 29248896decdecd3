"""`DeterministicRandomTestTool`: the same random numbers in a TF1 graph and in TF2.

TensorFlow's migration guide ("Validating correctness") checks a migrated
model against its TF1 graph by giving every random op the same seeds on both
sides. The tool of legacy Keras does it by replacing TensorFlow's
`random_seed.get_seed` inside `scope()`; this is the same tool (constructor,
modes, `operation_seed`, `scope()`, errors), and it also governs Keras 3, whose
unseeded initializers, `Dropout` layers and `keras.random` calls draw from
stateless ops seeded by Python's `random` and never ask TensorFlow for a seed.
Inside the scope those draws use TensorFlow's stateful ops with the tool's
seeds, as a TF1 initializer or `tf.nn.dropout` would, so a model migrated
layer by layer to native Keras 3 keeps matching its TF1 graph. Explicitly
seeded Keras initializers and generators keep their own seeds.
"""

import contextlib
import importlib
import threading

import tensorflow as tf
from tensorflow.python.framework import random_seed

_MODES = ("constant", "num_random_ops")
_state = threading.local()
_patch_lock = threading.Lock()
_keras_patched = False


class DeterministicRandomTestTool:
    """Gives random ops deterministic seeds, identically in TF1 graphs and in eager.

    Args:
      seed: the graph-level seed every governed op gets.
      mode: "constant": every op gets operation seed `operation_seed`, so ops
        of the same shape give the same numbers; "num_random_ops": the
        operation seed counts the random ops created so far (0, 1, 2, ...),
        so a TF1 graph and an eager program that create their random ops in
        the same order get the same numbers.

    Raises:
      ValueError: for any other mode.
    """

    def __init__(self, seed=42, mode="constant"):
        if mode not in _MODES:
            raise ValueError(f"Mode arg must be 'constant' or 'num_random_ops'. Got: {mode}")
        self.seed_implementation = random_seed
        self._mode = mode
        self._seed = seed
        self.operation_seed = 0
        self._observed_seeds = set()

    @property
    def operation_seed(self):
        """The operation seed the next governed random op gets."""
        return self._operation_seed

    @operation_seed.setter
    def operation_seed(self, value):
        self._operation_seed = value

    def scope(self):
        """A context manager (also `.start()`/`.stop()`) inside which random ops are governed.

        Calling it resets TensorFlow's global seed (and with it the eager
        kernel cache, so a new tool reproduces an old one's numbers).
        """
        tf.random.set_seed(self._seed)
        return _ToolScope(self)

    def _next_seed_pair(self, unused_op_seed=None):
        """The (graph seed, operation seed) pair of the next random op."""
        del unused_op_seed  # the tool's seeds replace the op's own
        op_seed = self._operation_seed
        if self._mode == "constant":
            tf.random.set_seed(op_seed)
        else:
            if op_seed in self._observed_seeds:
                raise ValueError(
                    "This `DeterministicRandomTestTool` object is trying to re-use the "
                    f"already-used operation seed {op_seed}. It cannot guarantee random "
                    "numbers will match between eager and sessions when an operation seed "
                    "is reused. You most likely set `operation_seed` explicitly but used a "
                    "value that caused the naturally-incrementing operation seed sequences "
                    "to overlap with an already-used seed.")
            self._observed_seeds.add(op_seed)
            self._operation_seed += 1
        return self._seed, op_seed


class _ToolScope:
    """Replaces `random_seed.get_seed` and governs Keras 3 draws while active."""

    def __init__(self, tool):
        self._tool = tool
        self._saved = None

    def start(self):
        """Enters the scope (as `__enter__`)."""
        _patch_keras_random()
        self._saved = (random_seed.get_seed, getattr(_state, "tool", None))
        random_seed.get_seed = self._tool._next_seed_pair  # pylint: disable=protected-access
        _state.tool = self._tool
        return self

    def stop(self):
        """Leaves the scope (as `__exit__`)."""
        random_seed.get_seed, _state.tool = self._saved
        _pending_values().clear()  # (keyed by object id: never past their scope)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def _active_tool():
    return getattr(_state, "tool", None)


# --- Keras 3 -------------------------------------------------------------------------

_GOVERNED = object()  # stands in for an unseeded initializer's seed during its draw


@contextlib.contextmanager
def _governed(initializer):
    seed = initializer.seed
    initializer.seed = _GOVERNED
    try:
        yield
    finally:
        initializer.seed = seed


def _governs(seed):
    """Whether a Keras draw with `seed` takes the tool's seeds.

    An unseeded initializer's draw always does (see `_governed_call`). Other
    unseeded draws (Dropout, `keras.random`) do, except in Keras's stateless
    scope: there Keras builds a layer symbolically and throws the values
    away, and TF1 had no such pass to take a seed from the sequence.
    """
    if seed is _GOVERNED:
        return True
    if _active_tool() is None or _in_keras_stateless_scope():
        return False
    return seed is None or getattr(seed, "_initial_seed", 0) is None  # unseeded generator


def _patch_keras_random():
    """Wraps Keras 3's unseeded initializers and TF-backend samplers once."""
    global _keras_patched
    with _patch_lock:
        if _keras_patched:
            return
        backend_random = importlib.import_module("keras.src.backend.tensorflow.random")
        initializers = importlib.import_module("keras.src.initializers.random_initializers")
        stateful = {
            "normal": lambda shape, mean=0.0, stddev=1.0, dtype=None, seed=None: tf.random.normal(
                shape, mean, stddev, dtype=dtype or _floatx()),
            "uniform": lambda shape, minval=0.0, maxval=1.0, dtype=None, seed=None:
                tf.random.uniform(shape, minval, maxval, dtype=dtype or _floatx()),
            "truncated_normal": lambda shape, mean=0.0, stddev=1.0, dtype=None, seed=None:
                tf.random.truncated_normal(shape, mean, stddev, dtype=dtype or _floatx()),
            "dropout": _stateful_dropout,
        }
        for name, governed_draw in stateful.items():
            setattr(backend_random, name, _dispatch(getattr(backend_random, name), governed_draw))
        for cls in _subclasses(initializers.RandomInitializer):
            if "__call__" in cls.__dict__:
                cls.__call__ = _governed_call(cls.__dict__["__call__"])
        _keras_patched = True


def _dispatch(keras_draw, governed_draw):
    def draw(*args, seed=None, **kwargs):
        if _governs(seed):
            return governed_draw(*args, **kwargs)
        return keras_draw(*args, seed=seed, **kwargs)

    draw.__wrapped__ = keras_draw
    draw.__doc__ = keras_draw.__doc__
    return draw


def _governed_call(call):
    def governed_call(self, shape, dtype=None, **kwargs):
        if _active_tool() is None or getattr(self, "_init_seed", 0) is not None:
            return call(self, shape, dtype, **kwargs)
        key = (id(self), tuple(shape), str(dtype))
        pending = _pending_values()
        if key in pending and not _in_keras_stateless_scope():
            return pending.pop(key)
        with _governed(self), tf.init_scope():
            value = call(self, shape, dtype, **kwargs)
        if _in_keras_stateless_scope():
            # Keras builds a layer symbolically in a stateless scope and draws
            # the initial value twice: for the symbolic pass now, for the
            # variable when the scope ends. TF1 drew it once, now (in order
            # with the TF1 variables of the same call): keep it for the second.
            pending[key] = value
        return value

    governed_call.__wrapped__ = call
    return governed_call


def _pending_values():
    if not hasattr(_state, "pending_values"):
        _state.pending_values = {}
    return _state.pending_values


def _in_keras_stateless_scope():
    stateless_scope = importlib.import_module("keras.src.backend.common.stateless_scope")
    return stateless_scope.in_stateless_scope()


def _stateful_dropout(inputs, rate, noise_shape=None):
    if rate == 1.0:
        return tf.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    if noise_shape is not None:  # Keras allows None for "as the input"
        backend_random = importlib.import_module("keras.src.backend.tensorflow.random")
        noise_shape = backend_random._get_concrete_noise_shape(inputs, noise_shape)  # pylint: disable=protected-access
    return tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape)


def _floatx():
    import keras  # pylint: disable=import-outside-toplevel
    return keras.config.floatx()


def _subclasses(cls):
    found = [cls]
    for subclass in cls.__subclasses__():
        found.extend(_subclasses(subclass))
    return found
