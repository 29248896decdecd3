"""TF1 convolution layers: `conv1d/2d/3d`, `conv2d/3d_transpose`, `separable_conv1d/2d`.

Variable names and shapes are TF1's: `kernel` `kernel_size + [in, filters]`
(`kernel_size + [filters, in]` for the transposes), `depthwise_kernel`
`kernel_size + [in, depth_multiplier]`, `pointwise_kernel`
`[1, (1,) in * dm, filters]`, `bias` `[filters]` (zeros).
`kernel_initializer=None` means the scope's initializer, else Glorot
uniform, as in TF1.
"""

import tensorflow as tf

from tf1track_core.layers.base import KernelBiasLayer

v1 = tf.compat.v1


def _tuple(value, rank, what):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"`{what}` must be an int or {rank} ints, got {value}.")
    return value


def tf_data_format(data_format, rank):
    """`channels_last` / `channels_first` -> `NWC`/`NHWC`/`NDHWC` or `NCW`/`NCHW`/`NCDHW`."""
    spatial = {1: "W", 2: "HW", 3: "DHW"}[rank]
    if data_format == "channels_last":
        return "N" + spatial + "C"
    if data_format == "channels_first":
        return "NC" + spatial
    raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}.")


def channels_first_supported():
    """Whether convolutions may run channels-first: TF's CPU kernels are channels-last only."""
    return bool(tf.config.list_logical_devices("GPU"))


def _to_channels_last(x, rank):
    return tf.transpose(x, [0] + list(range(2, rank + 2)) + [1])


def _to_channels_first(x, rank):
    return tf.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))


class _Conv(KernelBiasLayer):
    """N-d convolution shared by `Conv1D`, `Conv2D` and `Conv3D`."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
        self.strides = _tuple(strides, rank, "strides")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same") and not (self.padding == "causal" and rank == 1):
            raise ValueError(f"Layer {self.name!r}: padding must be 'valid' or 'same' "
                             f"('causal' for conv1d), got {padding!r}.")
        self.data_format = data_format
        self._tf_data_format = tf_data_format(data_format, rank)
        self.dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")

    def _input_channels(self, input_shape):
        axis = 1 if self.data_format == "channels_first" else -1
        channels = tf.compat.dimension_value(input_shape[axis])
        if channels is None:
            raise ValueError(f"Layer {self.name!r}: the channel dimension of the inputs "
                             f"must be defined, got shape {input_shape}.")
        return channels

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        self.add_kernel_and_bias(
            self.kernel_size + (self._input_channels(input_shape), self.filters), self.filters)

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        padding = self.padding.upper()
        if self.padding == "causal":
            # Left-pad the time axis so output t sees inputs <= t only.
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            time_axis = 2 if self.data_format == "channels_first" else 1
            pads = [[0, 0], [0, 0], [0, 0]]
            pads[time_axis] = [left, 0]
            inputs = tf.pad(inputs, pads)
            padding = "VALID"
        outputs = self._convolution(inputs, padding)
        if self.use_bias and self.rank == 1 and self.data_format == "channels_first":
            # TF1 broadcast the bias here rather than use bias_add's NCW.
            outputs += tf.reshape(self.bias, (1, self.filters, 1))
            return self.apply_activation(outputs)
        return self.bias_and_activation(outputs, data_format=self._tf_data_format)

    def _convolution(self, inputs, padding):
        if self.data_format == "channels_first" and not channels_first_supported():
            # Same numbers through channels-last kernels (TF1 would fail on a CPU here).
            outputs = tf.nn.convolution(
                _to_channels_last(inputs, self.rank), self.kernel, strides=list(self.strides),
                padding=padding, dilations=list(self.dilation_rate),
                data_format=tf_data_format("channels_last", self.rank))
            return _to_channels_first(outputs, self.rank)
        return tf.nn.convolution(
            inputs, self.kernel, strides=list(self.strides), padding=padding,
            dilations=list(self.dilation_rate), data_format=self._tf_data_format)


class Conv1D(_Conv):
    """TF1 `tf.layers.Conv1D` (padding 'valid', 'same' or 'causal')."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, **kwargs)


class Conv2D(_Conv):
    """TF1 `tf.layers.Conv2D`."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, **kwargs)


class Conv3D(_Conv):
    """TF1 `tf.layers.Conv3D`."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, **kwargs)


def deconv_output_length(input_length, kernel_size, padding, stride, dilation=1):
    """Spatial output length of a transposed convolution (TF1's formula)."""
    if input_length is None:
        return None
    kernel_size = kernel_size + (kernel_size - 1) * (dilation - 1)
    if padding == "valid":
        return input_length * stride + max(kernel_size - stride, 0)
    return input_length * stride


class _ConvTranspose(_Conv):
    """N-d transposed convolution; kernel `kernel_size + [filters, in_channels]`."""

    def __init__(self, rank, filters, kernel_size, strides, padding, data_format, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format, 1, **kwargs)

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        self.add_kernel_and_bias(
            self.kernel_size + (self.filters, self._input_channels(input_shape)), self.filters)

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        channels_first = self.data_format == "channels_first"
        if channels_first:
            # TF's CPU kernels only take channels-last here; the result is the same.
            inputs = _to_channels_last(inputs, self.rank)
        dynamic = tf.shape(inputs)
        static = inputs.shape.as_list()
        sizes = []
        for axis, kernel, stride in zip(range(1, self.rank + 1), self.kernel_size, self.strides):
            length = static[axis] if static[axis] is not None else dynamic[axis]
            sizes.append(deconv_output_length(length, kernel, self.padding, stride))
        output_shape = tf.stack([dynamic[0], *sizes, self.filters])
        outputs = tf.nn.conv_transpose(
            inputs, self.kernel, output_shape, strides=[1, *self.strides, 1],
            padding=self.padding.upper(), data_format=tf_data_format("channels_last", self.rank))
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias)
        if channels_first:
            outputs = _to_channels_first(outputs, self.rank)
        return self.apply_activation(outputs)


class Conv2DTranspose(_ConvTranspose):
    """TF1 `tf.layers.Conv2DTranspose`; kernel `[kh, kw, filters, in_channels]`."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """TF1 `tf.layers.Conv3DTranspose`; kernel `[kd, kh, kw, filters, in_channels]`."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, **kwargs)


class _SeparableConv(_Conv):
    """Depthwise then pointwise convolution: `SeparableConv1D` and `SeparableConv2D`."""

    def __init__(self, rank, filters, kernel_size, strides, padding, data_format,
                 dilation_rate, depth_multiplier=1, depthwise_initializer=None,
                 pointwise_initializer=None, depthwise_regularizer=None,
                 pointwise_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.add_bias(self.filters)

    def _separable_conv2d(self, inputs, depthwise_kernel, pointwise_kernel, strides,
                          padding, dilations):
        """TF's 2-D separable convolution plus bias, channels-last (TF's CPU kernels)."""
        outputs = tf.nn.separable_conv2d(
            inputs, depthwise_kernel, pointwise_kernel, strides=(1,) + strides + (1,),
            padding=padding, dilations=dilations, data_format="NHWC")
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias, data_format="NHWC")
        return outputs


class SeparableConv1D(_SeparableConv):
    """TF1 `tf.layers.SeparableConv1D`, run as TF1 did: a 2-D one over height 1."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, depth_multiplier, **kwargs)

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        channels_first = self.data_format == "channels_first"
        if channels_first:  # same numbers through channels-last kernels
            inputs = _to_channels_last(inputs, 1)
        padding = self.padding.upper()
        if self.padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = tf.pad(inputs, [[0, 0], [left, 0], [0, 0]])
            padding = "VALID"
        # TF1 repeated the stride for the dummy height axis (TF requires equal
        # strides there); over height 1 it changes nothing.
        outputs = self._separable_conv2d(
            tf.expand_dims(inputs, 1), tf.expand_dims(self.depthwise_kernel, 0),
            tf.expand_dims(self.pointwise_kernel, 0), self.strides * 2, padding,
            (1,) + self.dilation_rate)
        outputs = tf.squeeze(outputs, [1])
        # The activation sees the caller's layout, as in TF1 (it matters for softmax).
        return self.apply_activation(_to_channels_first(outputs, 1) if channels_first
                                     else outputs)


class SeparableConv2D(_SeparableConv):
    """TF1 `tf.layers.SeparableConv2D`: depthwise then pointwise convolution."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), depth_multiplier=1,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, depth_multiplier, **kwargs)

    def call(self, inputs):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        if self.data_format == "channels_first" and channels_first_supported():
            outputs = tf.nn.separable_conv2d(
                inputs, self.depthwise_kernel, self.pointwise_kernel,
                strides=(1, 1) + self.strides, padding=self.padding.upper(),
                dilations=self.dilation_rate, data_format="NCHW")
            return self.bias_and_activation(outputs, data_format="NCHW")
        channels_first = self.data_format == "channels_first"
        if channels_first:  # channels-last kernels only on a CPU; same numbers
            inputs = _to_channels_last(inputs, 2)
        outputs = self._separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                         self.strides, self.padding.upper(), self.dilation_rate)
        # The activation sees the caller's layout, as in TF1 (it matters for softmax).
        return self.apply_activation(_to_channels_first(outputs, 2) if channels_first
                                     else outputs)


# TF1's functional signatures after (inputs, filters, kernel_size), in order, so
# positional arguments (`conv2d(x, 32, 3, 1, "same", ...)`) mean what they meant.
_KERNEL_BIAS_ARGS = ("activation", "use_bias", "kernel_initializer", "bias_initializer",
                     "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                     "kernel_constraint", "bias_constraint", "trainable", "name", "reuse")
_CONV_ARGS = ("strides", "padding", "data_format", "dilation_rate") + _KERNEL_BIAS_ARGS
_TRANSPOSE_ARGS = ("strides", "padding", "data_format") + _KERNEL_BIAS_ARGS
_SEPARABLE_ARGS = ("strides", "padding", "data_format", "dilation_rate", "depth_multiplier",
                   "activation", "use_bias", "depthwise_initializer", "pointwise_initializer",
                   "bias_initializer", "depthwise_regularizer", "pointwise_regularizer",
                   "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                   "pointwise_constraint", "bias_constraint", "trainable", "name", "reuse")


def _functional(layer_class, arg_names, function_name):
    """TF1's functional form of a conv layer class: `fn(inputs, filters, kernel_size, ...)`."""

    def layer_fn(inputs, filters, kernel_size, *args, **kwargs):
        if len(args) > len(arg_names):
            raise TypeError(f"{layer_fn.__name__}() takes at most {len(arg_names) + 3} "
                            f"positional arguments ({len(args) + 3} given)")
        for arg_name, value in zip(arg_names, args):
            if arg_name in kwargs:
                raise TypeError(f"{layer_fn.__name__}() got multiple values for argument "
                                f"{arg_name!r}")
            kwargs[arg_name] = value
        name, reuse = kwargs.pop("name", None), kwargs.pop("reuse", None)
        layer = layer_class(filters, kernel_size, name=name, _scope=name, _reuse=reuse,
                            **kwargs)
        return layer(inputs)

    layer_fn.__name__ = layer_fn.__qualname__ = function_name
    layer_fn.__doc__ = (f"Functional `{layer_class.__name__}`: "
                        f"{function_name}(inputs, filters, kernel_size, ...), TF1's arguments.")
    return layer_fn


conv1d = _functional(Conv1D, _CONV_ARGS, "conv1d")
conv2d = _functional(Conv2D, _CONV_ARGS, "conv2d")
conv3d = _functional(Conv3D, _CONV_ARGS, "conv3d")
conv2d_transpose = _functional(Conv2DTranspose, _TRANSPOSE_ARGS, "conv2d_transpose")
conv3d_transpose = _functional(Conv3DTranspose, _TRANSPOSE_ARGS, "conv3d_transpose")
separable_conv1d = _functional(SeparableConv1D, _SEPARABLE_ARGS, "separable_conv1d")
separable_conv2d = _functional(SeparableConv2D, _SEPARABLE_ARGS, "separable_conv2d")
