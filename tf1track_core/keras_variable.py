"""A Keras 3 variable that wraps a TF1 variable without copying it.

Keras 3 layers track only `keras.Variable`s, and a `keras.Variable` name may not
contain '/'. `TF1KerasVariable` is a `keras.Variable` whose value *is* the
`tf.Variable` the TF1 store created, so the TF1 code, Keras (weights,
optimizers, `.weights.h5`, `tf.train.Checkpoint`) and `tf.GradientTape` all see
one and the same variable, and `tf1_name` finds the TF1 name on it.
"""

import keras


def keras_safe_name(tf1_name):
    """A `keras.Variable` name for a TF1 name: '/' is not allowed, '.' is."""
    return tf1_name.replace("/", ".")


class TF1KerasVariable(keras.Variable):
    """The Keras 3 face of a variable created by a TF1 variable store.

    Args:
      tf_variable: the `tf.Variable` (or distributed variable) to wrap.
      regularizer: zero-argument callable returning its regularization loss,
        or None. Keras calls `variable.regularizer(variable)`, so it is adapted.
      constraint: the TF1 constraint, applied by Keras optimizers after updates.
    """

    def __init__(self, tf_variable, regularizer=None, constraint=None):
        self._tf1_variable = tf_variable
        super().__init__(
            initializer=self._read_wrapped_value,
            shape=tuple(tf_variable.shape),
            dtype=tf_variable.dtype.name,
            trainable=tf_variable.trainable,
            name=keras_safe_name(tf1_variable_name(tf_variable)),
            aggregation=_keras_aggregation(tf_variable),
            synchronization=_keras_synchronization(tf_variable),
        )
        if regularizer is not None:
            self.set_tf1_regularizer(regularizer)
        if constraint is not None:
            self.constraint = constraint

    def set_tf1_regularizer(self, regularizer):
        """Makes the zero-argument `regularizer()` this variable's loss in `layer.losses`."""
        # Keras calls `variable.regularizer(variable)`.
        self.regularizer = lambda _unused_keras_variable: regularizer()

    @property
    def tf1_variable(self):
        """The wrapped `tf.Variable`, as TF1 code sees it."""
        return self._tf1_variable

    @property
    def name(self):
        """The TF1 name, `scope/kernel:0`, as in TF1 and the official shim.

        (Keras's own `path` keeps a '/'-free variable name, e.g.
        `my_layer/scope.kernel`, which Keras uses for optimizer slots.)
        """
        return self._tf1_variable.name

    # The rest of the tf.Variable API (read_value, sparse_read, scatter_*,
    # initializer, op, device, ...) reaches the wrapped variable.
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._tf1_variable, name)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """`tf.Variable.assign` (Keras's own path when called as Keras calls it)."""
        if use_locking is None and name is None and read_value is True:
            return super().assign(value)
        return self._tf1_variable.assign(value, use_locking, name, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """`tf.Variable.assign_add` (Keras's own path when called as Keras calls it)."""
        if use_locking is None and name is None and read_value is True:
            return super().assign_add(delta)
        return self._tf1_variable.assign_add(delta, use_locking, name, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """`tf.Variable.assign_sub` (Keras's own path when called as Keras calls it)."""
        if use_locking is None and name is None and read_value is True:
            return super().assign_sub(delta)
        return self._tf1_variable.assign_sub(delta, use_locking, name, read_value)

    def _read_wrapped_value(self, shape=None, dtype=None):
        del shape, dtype
        return self._tf1_variable.read_value()

    # The three backend hooks that would otherwise create a second tf.Variable:
    # inside a Keras stateless (symbolic) scope creation is deferred and later
    # completed through `_deferred_initialize`, which must also just attach.
    def _initialize(self, value):
        del value
        self._value = self._tf1_variable

    def _initialize_with_initializer(self, initializer):
        del initializer
        self._value = self._tf1_variable

    def _deferred_initialize(self):
        self._value = self._tf1_variable
        self._initializer = None


def tf1_variable_name(tf_variable):
    """`tf_variable.name` without the ':0' output suffix."""
    name = tf_variable.name
    return name[:-2] if name.endswith(":0") else name


def _keras_aggregation(tf_variable):
    aggregation = getattr(tf_variable, "aggregation", None)
    name = getattr(aggregation, "name", "NONE").lower()
    return name if name in ("none", "mean", "sum", "only_first_replica") else "none"


def _keras_synchronization(tf_variable):
    synchronization = getattr(tf_variable, "synchronization", None)
    name = getattr(synchronization, "name", "AUTO").lower()
    return name if name in ("none", "on_read", "on_write", "auto") else "auto"
