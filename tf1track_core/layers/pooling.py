"""TF1 pooling layers: `max_pooling1d/2d`, `average_pooling1d/2d` (no variables)."""

import tensorflow as tf

from tf1track_core.layers.base import Layer
from tf1track_core.layers.convolutional import (_to_channels_first, _to_channels_last, _tuple,
                                                 tf_data_format)


class _Pooling(Layer):
    """N-d max or average pooling; 'valid' padding by default, as in TF1."""

    def __init__(self, rank, pool_function, pool_size, strides, padding="valid",
                 data_format="channels_last", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rank = rank
        self.pool_function = pool_function
        self.pool_size = _tuple(pool_size, rank, "pool_size")
        self.strides = _tuple(strides if strides is not None else pool_size, rank, "strides")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"Layer {self.name!r}: padding must be 'valid' or 'same', "
                             f"got {padding!r}.")
        tf_data_format(data_format, rank)  # validates
        self.data_format = data_format

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        channels_first = self.data_format == "channels_first"
        if channels_first:
            # TF's CPU pooling kernels are channels-last only; TF1 transposed too.
            inputs = _to_channels_last(inputs, self.rank)
        outputs = self.pool_function(
            inputs, ksize=list(self.pool_size), strides=list(self.strides),
            padding=self.padding.upper(), data_format=tf_data_format("channels_last", self.rank))
        return _to_channels_first(outputs, self.rank) if channels_first else outputs


class MaxPooling1D(_Pooling):
    """TF1 `tf.layers.MaxPooling1D`."""

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(1, tf.nn.max_pool1d, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class AveragePooling1D(_Pooling):
    """TF1 `tf.layers.AveragePooling1D`."""

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(1, tf.nn.avg_pool1d, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class MaxPooling2D(_Pooling):
    """TF1 `tf.layers.MaxPooling2D`."""

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(2, tf.nn.max_pool2d, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class AveragePooling2D(_Pooling):
    """TF1 `tf.layers.AveragePooling2D`."""

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(2, tf.nn.avg_pool2d, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Functional `MaxPooling1D`."""
    return MaxPooling1D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling1d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """Functional `AveragePooling1D`."""
    return AveragePooling1D(pool_size, strides, padding, data_format, name=name)(inputs)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Functional `MaxPooling2D`."""
    return MaxPooling2D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling2d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """Functional `AveragePooling2D`."""
    return AveragePooling2D(pool_size, strides, padding, data_format, name=name)(inputs)
