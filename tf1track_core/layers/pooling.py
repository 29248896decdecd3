"""TF1 pooling layers: `max_pooling1d/2d/3d`, `average_pooling1d/2d/3d` (no variables)."""

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


def _pooling_class(class_name, rank, pool_function):
    """A public TF1 pooling class: `_Pooling` of one rank and kind, TF1's signature."""

    class Pooling(_Pooling):
        def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                     name=None, **kwargs):
            super().__init__(rank, pool_function, pool_size, strides, padding, data_format,
                             name=name, **kwargs)

    Pooling.__name__ = Pooling.__qualname__ = class_name
    Pooling.__doc__ = f"TF1 `tf.layers.{class_name}`."
    return Pooling


def _functional(layer_class, function_name):
    """TF1's functional form of a pooling class: `fn(inputs, pool_size, strides, ...)`."""

    def pool(inputs, pool_size, strides, padding="valid", data_format="channels_last",
             name=None):
        return layer_class(pool_size, strides, padding, data_format, name=name)(inputs)

    pool.__name__ = pool.__qualname__ = function_name
    pool.__doc__ = f"Functional `{layer_class.__name__}`."
    return pool


MaxPooling1D = _pooling_class("MaxPooling1D", 1, tf.nn.max_pool1d)
AveragePooling1D = _pooling_class("AveragePooling1D", 1, tf.nn.avg_pool1d)
MaxPooling2D = _pooling_class("MaxPooling2D", 2, tf.nn.max_pool2d)
AveragePooling2D = _pooling_class("AveragePooling2D", 2, tf.nn.avg_pool2d)
MaxPooling3D = _pooling_class("MaxPooling3D", 3, tf.nn.max_pool3d)
AveragePooling3D = _pooling_class("AveragePooling3D", 3, tf.nn.avg_pool3d)

max_pooling1d = _functional(MaxPooling1D, "max_pooling1d")
average_pooling1d = _functional(AveragePooling1D, "average_pooling1d")
max_pooling2d = _functional(MaxPooling2D, "max_pooling2d")
average_pooling2d = _functional(AveragePooling2D, "average_pooling2d")
max_pooling3d = _functional(MaxPooling3D, "max_pooling3d")
average_pooling3d = _functional(AveragePooling3D, "average_pooling3d")
