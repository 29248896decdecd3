"""TF1 `dense`, `dropout` and `flatten`, in class and functional form."""

import tensorflow as tf

from tf1track_core.layers.base import KernelBiasLayer, Layer, static_bool

v1 = tf.compat.v1


class Dense(KernelBiasLayer):
    """TF1 `tf.layers.Dense`: `activation(inputs @ kernel + bias)`.

    Variables `kernel` `[input_depth, units]` and `bias` `[units]`. Inputs of
    rank > 2 are contracted on their last axis.
    """

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(activation=activation, use_bias=use_bias, **kwargs)
        self.units = int(units)

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        last_dim = tf.compat.dimension_value(input_shape[-1])
        if last_dim is None:
            raise ValueError(f"Layer {self.name!r}: the last dimension of the inputs to "
                             f"Dense must be defined, got shape {input_shape}.")
        self.add_kernel_and_bias([last_dim, self.units], self.units)

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        if inputs.dtype.base_dtype != self.dtype:
            inputs = tf.cast(inputs, self.dtype)
        rank = inputs.shape.rank
        if rank == 2 or rank is None:
            outputs = tf.matmul(inputs, self.kernel)
        else:
            outputs = tf.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape[:-1].concatenate([self.units]))
        return self.bias_and_activation(outputs)


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=v1.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional `Dense`: a new layer object per call, its variables found by scope."""
    layer = Dense(units, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                  bias_constraint=bias_constraint, trainable=trainable, name=name,
                  _scope=name, _reuse=reuse)
    return layer(inputs)


class Dropout(Layer):
    """TF1 `tf.layers.Dropout`: drops with probability `rate` only when training.

    `training` defaults to False, as in TF1; it may be a Python bool or a
    boolean tensor. Kept values are scaled by `1 / (1 - rate)`.
    """

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=False):
        """Applies the layer to `inputs`, as TF1's layer does."""
        known = static_bool(training)
        if known is False or self.rate == 0:
            return tf.identity(inputs)

        def dropped():
            return tf.nn.dropout(inputs, rate=self.rate, noise_shape=self._noise_shape(inputs),
                                 seed=self.seed)

        if known is True:
            return dropped()
        return tf.cond(tf.cast(training, tf.bool), dropped, lambda: tf.identity(inputs))

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        # None entries take the input's dimension, as in Keras.
        dynamic = tf.shape(inputs)
        return tf.stack([dynamic[i] if d is None else d for i, d in enumerate(self.noise_shape)])


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Functional `Dropout`; `training=False` (the TF1 default) returns the inputs."""
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)(inputs, training=training)


class Flatten(Layer):
    """TF1 `tf.layers.Flatten`: `[batch, ...] -> [batch, prod(...)]`.

    With `data_format="channels_first"` the channels are moved last first, so
    the flattened order is the channels-last one, as TF1 did.
    """

    def __init__(self, data_format="channels_last", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.data_format = data_format

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if self.data_format == "channels_first" and rank is not None and rank > 2:
            inputs = tf.transpose(inputs, [0] + list(range(2, rank)) + [1])
        static = inputs.shape[1:]
        if static.is_fully_defined():
            return tf.reshape(inputs, [-1, static.num_elements()])
        return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))


def flatten(inputs, name=None, data_format="channels_last"):
    """Functional `Flatten`."""
    return Flatten(data_format=data_format, name=name)(inputs)
