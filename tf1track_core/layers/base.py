"""`Layer`: the TF1 `tf.layers.Layer` contract, without Keras.

A TF1 layer object gets its variable scope on its first call —
`variable_scope(name, default_name=<snake_case class name>)`, so unnamed layers
become `dense`, `dense_1`, ... and named ones are uniquified the same way — and
creates its variables there with `tf.compat.v1.get_variable`, in `build`. Every
later call re-enters that scope with `reuse=True` and uses the variables it
holds. Functional forms (`dense(...)`) make a new object per call, so inside a
tracked method they find their variables again through the variable store.

This is plain TF1 behaviour, so the same classes also build in a
`tf.compat.v1.Session` graph, adding regularization losses and batch-norm
updates to the TF1 collections there.
"""

import re

import keras
import tensorflow as tf

from tf1track_core import graph_collections

v1 = tf.compat.v1


def to_snake_case(name):
    """`Conv2DTranspose` -> `conv2d_transpose`, as TF1 named layer scopes."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure


def _resolve(value, keras_getter):
    # None and callables are used as given; strings are Keras identifiers.
    if value is None or (callable(value) and not isinstance(value, str)):
        return value
    return keras_getter(value)


def get_initializer(initializer):
    """None (the scope's, else get_variable's default), an initializer, or a Keras name."""
    return _resolve(initializer, keras.initializers.get)


def get_regularizer(regularizer):
    """A callable regularizer, or a Keras identifier such as "l2" (0.01 * sum(w**2))."""
    return _resolve(regularizer, keras.regularizers.get)


def get_constraint(constraint):
    """A callable constraint or a Keras identifier such as "non_neg"."""
    return _resolve(constraint, keras.constraints.get)


def get_activation(activation):
    """A callable activation (e.g. `tf.nn.relu`), a Keras name, or None (linear)."""
    return _resolve(activation, keras.activations.get)


def static_bool(value):
    """A Python bool for `training`, or None when it is only known at run time."""
    if value is None or isinstance(value, bool):
        return bool(value)
    constant = tf.get_static_value(value)
    return None if constant is None else bool(constant)


class Layer(tf.Module):
    """Base class of the TF1 layers: scope handling, `add_weight`, build-once.

    Args:
      trainable: whether the variables are trainable.
      name: the layer's scope name (uniquified within the enclosing scope
        unless `_reuse`).
      dtype: variable dtype; by default that of the first input (TF1's rule).
      activity_regularizer: optional regularizer applied to the outputs.
    """

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 _scope=None, _reuse=None):
        super().__init__(name=None)
        self.trainable = trainable
        self._base_name = name or to_snake_case(type(self).__name__)
        self._layer_name = name or self._base_name
        self._dtype = tf.as_dtype(dtype) if dtype is not None else None
        self._activity_regularizer = get_regularizer(activity_regularizer)
        self._reuse = _reuse
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self.built = False
        self._scope = None
        if _scope is not None:
            with v1.variable_scope(_scope) as captured:
                self._scope = captured

    @property
    def name(self):
        """The layer name given at construction (or the class's snake-case name)."""
        return self._layer_name

    @property
    def scope_name(self):
        """The full variable-scope name of this layer, known after its first call."""
        if self._scope is None:
            raise ValueError(f"Layer {self.name!r} has not been called yet, so it has no scope.")
        return self._scope.name

    @property
    def dtype(self):
        """The variables' dtype (known after the first call if not given)."""
        return self._dtype

    @property
    def trainable_weights(self):
        """The trainable variables this layer created, in creation order."""
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        """The non-trainable variables this layer created, in creation order."""
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    @property
    def weights(self):
        """All variables of this layer: trainable first, as TF1 listed them."""
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def losses(self):
        """Activity-regularization losses of the last call."""
        return list(self._losses)

    def apply(self, inputs, *args, **kwargs):
        """TF1 alias of `__call__`."""
        return self(inputs, *args, **kwargs)

    def _set_scope(self, scope=None):
        if self._scope is None:
            if self._reuse:
                with v1.variable_scope(scope if scope is not None else self._base_name) as captured:
                    self._scope = captured
            else:
                with v1.variable_scope(scope, default_name=self._base_name) as captured:
                    self._scope = captured

    def __call__(self, inputs, *args, **kwargs):
        """Builds the layer in its scope on the first call, then runs `call`."""
        self._set_scope(kwargs.pop("scope", None))
        self._check_input_spec(inputs)
        reuse = True if self.built else self._reuse
        with v1.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False):
            if not self.built:
                first = tf.nest.flatten(inputs)[0]
                if self._dtype is None:
                    dtype = tf.as_dtype(getattr(first, "dtype", tf.float32))
                    self._dtype = dtype if dtype.is_floating else tf.float32
                self.build(tf.nest.map_structure(lambda x: tf.TensorShape(x.shape), inputs))
                self.built = True
            outputs = self.call(inputs, *args, **kwargs)
        if self._activity_regularizer is not None:
            self._losses = [self._activity_regularizer(o) for o in tf.nest.flatten(outputs)]
            for loss in self._losses:
                graph_collections.add_to_collection_tf1(v1.GraphKeys.REGULARIZATION_LOSSES, loss)
        return outputs

    def _check_input_spec(self, inputs):
        """Enforces `self.input_spec` (`InputSpec`s: ndim, min/max_ndim, axes) as TF1 did."""
        specs = getattr(self, "input_spec", None)
        if specs is None:
            return
        for index, (spec, value) in enumerate(zip(tf.nest.flatten(specs),
                                                  tf.nest.flatten(inputs))):
            shape = tf.TensorShape(getattr(value, "shape", None))
            if spec is None or shape.rank is None:
                continue
            problem = None
            if spec.ndim is not None and shape.rank != spec.ndim:
                problem = f"expected ndim={spec.ndim}, found ndim={shape.rank}"
            elif spec.min_ndim is not None and shape.rank < spec.min_ndim:
                problem = f"expected min_ndim={spec.min_ndim}, found ndim={shape.rank}"
            elif spec.max_ndim is not None and shape.rank > spec.max_ndim:
                problem = f"expected max_ndim={spec.max_ndim}, found ndim={shape.rank}"
            else:
                for axis, size in (spec.axes or {}).items():
                    found = shape[int(axis)] if -shape.rank <= int(axis) < shape.rank else None
                    if size is not None and found is not None and found != size:
                        problem = f"expected axis {axis} of size {size}, found {found}"
                        break
            if problem:
                raise ValueError(f"Input {index} of layer {self.name!r} is incompatible with "
                                 f"the layer: {problem}. Full shape received: {shape}")

    def build(self, input_shape):
        """Creates the variables; override. `input_shape` is a `TensorShape`."""
        del input_shape

    def call(self, inputs, *args, **kwargs):
        """The computation; override."""
        raise NotImplementedError

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, partitioner=None,
                   synchronization=tf.VariableSynchronization.AUTO,
                   aggregation=tf.VariableAggregation.NONE):
        """Gets or creates the variable `<layer scope>/<name>` with `get_variable`."""
        if synchronization == tf.VariableSynchronization.ON_READ:
            if trainable:
                raise ValueError(
                    f"Variable {name} of layer {self.name!r}: synchronization=ON_READ is "
                    "only for non-trainable variables, but trainable=True was given.")
            trainable = False
        elif trainable is None:
            trainable = True
        self._set_scope(None)
        with v1.variable_scope(self._scope, reuse=self.built or self._reuse,
                               auxiliary_name_scope=False):
            variable = v1.get_variable(
                name, shape=shape, dtype=tf.as_dtype(dtype or self._dtype or tf.float32),
                initializer=get_initializer(initializer),
                regularizer=get_regularizer(regularizer),
                trainable=trainable and self.trainable, constraint=get_constraint(constraint),
                partitioner=partitioner, synchronization=synchronization,
                aggregation=aggregation)
        if trainable and self.trainable:
            self._trainable_weights.append(variable)
        else:
            self._non_trainable_weights.append(variable)
        return variable

    add_variable = add_weight


class KernelBiasLayer(Layer):
    """A layer with TF1's `kernel`/`bias` arguments (Dense and the convolutions).

    `kernel_initializer=None` means the enclosing scope's initializer, else
    Glorot uniform (get_variable's default); the bias starts at zeros.
    """

    def __init__(self, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=v1.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.activation = get_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def add_kernel_and_bias(self, kernel_shape, bias_size):
        """Creates `kernel` and (if `use_bias`) `bias`, in TF1's order."""
        self.kernel = self.add_weight(
            "kernel", kernel_shape, initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.add_bias(bias_size)

    def add_bias(self, bias_size):
        """Creates `bias` `[bias_size]` if `use_bias`, else sets it to None."""
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", [bias_size], initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def bias_and_activation(self, outputs, data_format=None):
        """Adds the bias (in `data_format`) and applies the activation."""
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias, data_format=data_format)
        return self.apply_activation(outputs)

    def apply_activation(self, outputs):
        """`activation(outputs)`, or `outputs` for a linear layer."""
        return self.activation(outputs) if self.activation is not None else outputs
