"""TF1's `RNNCell` contract: state and output sizes, zero states, and scoping.

An `RNNCell` (like TF1's) is a TF1 layer called as `cell(inputs, state)`,
returning `(output, new_state)`. TensorFlow core's
`tf.compat.v1.nn.dynamic_rnn`, `bidirectional_dynamic_rnn` and `static_rnn`
drive any object with this contract, inside their `rnn` /
`bidirectional_rnn/fw` scopes, so the variable names come out as TF1's
(`rnn/basic_lstm_cell/kernel`).
"""

import collections

import tensorflow as tf

from tf1track_core.layers.base import Layer

v1 = tf.compat.v1

WEIGHTS_NAME = "kernel"
BIAS_NAME = "bias"


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """`(c, h)`: an LSTM's cell state and output, in that order."""

    __slots__ = ()

    @property
    def dtype(self):
        """The common dtype of `c` and `h`."""
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent LSTM state dtypes: {c.dtype} vs {h.dtype}")
        return c.dtype


def batch_shape(batch_size, size):
    """`[batch_size] + size` as a shape, whether `batch_size` or `size` is a number or a tensor.

    A tensor `size` is a dynamic length (e.g. an attention mechanism's
    alignments over memory of unknown time), as TF1's `_concat` allowed.
    """
    if tf.is_tensor(size):
        size = tf.reshape(tf.cast(size, tf.int32), [-1])
        return tf.concat([tf.reshape(tf.cast(batch_size, tf.int32), [1]), size], 0)
    shape = tf.TensorShape(size).as_list()
    if not tf.is_tensor(batch_size):
        return [batch_size] + shape
    return tf.concat([tf.reshape(tf.cast(batch_size, tf.int32), [1]),
                      tf.constant(shape, tf.int32, shape=[len(shape)])], 0)


def zero_state_tensors(state_size, batch_size, dtype):
    """Zeros of shape `[batch_size, s]` for every size `s` in the (nested) `state_size`."""
    return tf.nest.map_structure(lambda size: tf.zeros(batch_shape(batch_size, size), dtype),
                                 state_size)


class RNNCell(Layer):
    """Base of TF1's RNN cells: `cell(inputs, state, scope=None) -> (output, new_state)`.

    A plain `RNNCell` may create variables with `get_variable` inside `call`
    (TF1 allowed it); its first call captures the enclosing variable scope.
    """

    @property
    def state_size(self):
        """An int, TensorShape, or nested structure of them."""
        raise NotImplementedError

    @property
    def output_size(self):
        """An int or TensorShape."""
        raise NotImplementedError

    def __call__(self, inputs, state, scope=None):
        if scope is not None:
            with v1.variable_scope(scope) as captured:
                return super().__call__(inputs, state, scope=captured)
        if getattr(self, "_rnn_cell_scope", None) is None:
            self._rnn_cell_scope = v1.get_variable_scope()
        with v1.variable_scope(self._rnn_cell_scope):
            return super().__call__(inputs, state)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """The zero state for `inputs` (or for `batch_size` and `dtype`)."""
        if inputs is not None:
            inputs = tf.convert_to_tensor(inputs)
            batch_size = inputs.shape[0] if inputs.shape[0] is not None else tf.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError("batch_size and dtype cannot be None while constructing initial "
                             f"state: batch_size={batch_size}, dtype={dtype}")
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zero-filled state tensor(s) for a batch."""
        return zero_state_tensors(self.state_size, batch_size, dtype)


class LayerRNNCell(RNNCell):
    """An `RNNCell` that creates its variables in `build`, as TF1 layers do."""

    def __call__(self, inputs, state, scope=None):
        return Layer.__call__(self, inputs, state, scope=scope)

    def _input_depth(self, input_shape):
        depth = tf.compat.dimension_value(input_shape[-1])
        if depth is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected the inputs' last "
                             f"dimension to be known, received shape {input_shape}.")
        return depth
