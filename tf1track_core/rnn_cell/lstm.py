"""TF1's `BasicLSTMCell` and `LSTMCell`: one fused kernel, gates i, j, f, o.

The kernel is `[input_depth + h_depth, 4 * num_units]`; its columns are the
input gate i, the new input j, the forget gate f and the output gate o, in
that order. `forget_bias` is added to f at run time (not stored in `bias`).
"""

import tensorflow as tf

from tf1track_core.layers.base import get_activation, get_initializer
from tf1track_core.rnn_cell.base import BIAS_NAME, WEIGHTS_NAME, LayerRNNCell, LSTMStateTuple
from tf1track_core.rnn_cell.concat_matmul import concat_matmul

v1 = tf.compat.v1


class BasicLSTMCell(LayerRNNCell):
    """The LSTM of Zaremba et al. 2014, without peepholes, clipping or projection."""

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = get_activation(activation) or tf.tanh

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, self._num_units)
        return 2 * self._num_units

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self._num_units

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        depth = self._input_depth(input_shape)
        self._kernel = self.add_weight(WEIGHTS_NAME,
                                       [depth + self._num_units, 4 * self._num_units])
        self._bias = self.add_weight(BIAS_NAME, [4 * self._num_units],
                                     initializer=v1.zeros_initializer())

    def call(self, inputs, state):
        """One step, as TF1's cell computes it: `(output, new_state)`."""
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = tf.split(state, num_or_size_splits=2, axis=1)
        gates = tf.nn.bias_add(concat_matmul(inputs, h, self._kernel), self._bias)
        i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
        forget_bias = tf.constant(self._forget_bias, dtype=f.dtype)
        new_c = c * tf.sigmoid(f + forget_bias) + tf.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * tf.sigmoid(o)
        if self._state_is_tuple:
            return new_h, LSTMStateTuple(new_c, new_h)
        return new_h, tf.concat([new_c, new_h], 1)


class LSTMCell(LayerRNNCell):
    """The LSTM with optional peepholes, cell clipping and an output projection.

    Variables: `kernel`, `bias`; with `use_peepholes` `w_f_diag`, `w_i_diag`,
    `w_o_diag`; with `num_proj` `projection/kernel` `[num_units, num_proj]`.
    `initializer` applies to the kernel, peepholes and projection.
    """

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = get_initializer(initializer)
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._num_unit_shards = num_unit_shards
        self._num_proj_shards = num_proj_shards
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = get_activation(activation) or tf.tanh
        h_size = num_proj or num_units
        self._state_size = (LSTMStateTuple(num_units, h_size) if state_is_tuple
                            else num_units + h_size)
        self._output_size = h_size

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        return self._state_size

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self._output_size

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        depth = self._input_depth(input_shape)
        h_depth = self._num_proj or self._num_units
        self._kernel = self.add_weight(
            WEIGHTS_NAME, [depth + h_depth, 4 * self._num_units], initializer=self._initializer,
            partitioner=_shards(self._num_unit_shards))
        self._bias = self.add_weight(BIAS_NAME, [4 * self._num_units],
                                     initializer=v1.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", [self._num_units],
                                             initializer=self._initializer)
            self._w_i_diag = self.add_weight("w_i_diag", [self._num_units],
                                             initializer=self._initializer)
            self._w_o_diag = self.add_weight("w_o_diag", [self._num_units],
                                             initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self.add_weight(
                f"projection/{WEIGHTS_NAME}", [self._num_units, self._num_proj],
                initializer=self._initializer, partitioner=_shards(self._num_proj_shards))

    def call(self, inputs, state):
        """One step, as TF1's cell computes it: `(output, new_state)`."""
        h_size = self._num_proj or self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = tf.slice(state, [0, 0], [-1, self._num_units])
            m_prev = tf.slice(state, [0, self._num_units], [-1, h_size])
        gates = tf.nn.bias_add(concat_matmul(inputs, m_prev, self._kernel), self._bias)
        i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
        if self._use_peepholes:
            c = (tf.sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev
                 + tf.sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
        else:
            c = tf.sigmoid(f + self._forget_bias) * c_prev + tf.sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = tf.sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = tf.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = tf.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else tf.concat([c, m], 1)
        return m, new_state


def _shards(count):
    return v1.fixed_size_partitioner(count) if count is not None else None
