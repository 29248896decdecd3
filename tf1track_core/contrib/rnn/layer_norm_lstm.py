"""TF 1.15 contrib `LayerNormBasicLSTMCell`: an LSTM with layer norm per gate (Ba et al. 2016).

Variables (in the cell's scope `layer_norm_basic_lstm_cell`): `kernel`
`[input_depth + num_units, 4 * num_units]` (gates i, j, f, o), no bias when
layer-normed (`bias` `[4 * num_units]` otherwise, get_variable's default
initializer as TF1), then `gamma` and `beta` for each of `input`, `transform`,
`forget`, `output` and `state`. `forget_bias` is added after the norm; the
returned cell state is the normalized one; recurrent dropout applies to the
candidate only (Semeniuta et al. 2016).
"""

import tensorflow as tf

from tf1track_core.contrib.layers.normalization import layer_norm
from tf1track_core.layers.base import get_activation
from tf1track_core.rnn_cell.base import LSTMStateTuple, RNNCell
from tf1track_core.rnn_cell.concat_matmul import concat_matmul

v1 = tf.compat.v1


class LayerNormBasicLSTMCell(RNNCell):
    """LSTM with layer normalization and recurrent dropout, TF 1.15's contrib cell."""

    def __init__(self, num_units, forget_bias=1.0, input_size=None, activation=tf.tanh,
                 layer_norm=True, norm_gain=1.0, norm_shift=0.0, dropout_keep_prob=1.0,
                 dropout_prob_seed=None, reuse=None):
        super().__init__(_reuse=reuse)
        del input_size  # deprecated in TF1, and ignored
        self._num_units = num_units
        self._activation = get_activation(activation)
        self._forget_bias = forget_bias
        self._keep_prob = dropout_keep_prob
        self._seed = dropout_prob_seed
        self._layer_norm = layer_norm
        self._norm_gain = norm_gain
        self._norm_shift = norm_shift

    @property
    def state_size(self):
        """`LSTMStateTuple(num_units, num_units)`."""
        return LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        """`num_units`."""
        return self._num_units

    def _norm(self, inputs, scope, dtype=tf.float32):
        shape = inputs.shape[-1:]
        with v1.variable_scope(scope):
            v1.get_variable("gamma", shape=shape, dtype=dtype,
                            initializer=v1.constant_initializer(self._norm_gain))
            v1.get_variable("beta", shape=shape, dtype=dtype,
                            initializer=v1.constant_initializer(self._norm_shift))
        return layer_norm(inputs, reuse=True, scope=scope)

    def _linear(self, inputs, h):
        out_size = 4 * self._num_units
        depth, h_depth = (tf.compat.dimension_value(t.shape[-1]) for t in (inputs, h))
        proj_size = None if None in (depth, h_depth) else depth + h_depth
        dtype = inputs.dtype
        kernel = v1.get_variable("kernel", [proj_size, out_size], dtype=dtype)
        out = concat_matmul(inputs, h, kernel)
        if not self._layer_norm:
            bias = v1.get_variable("bias", [out_size], dtype=dtype)
            out = tf.nn.bias_add(out, bias)
        return out

    def call(self, inputs, state):
        """One LSTM step with layer-normed gates: `(h, LSTMStateTuple(c, h))`."""
        c, h = state
        concat = self._linear(inputs, h)
        dtype = inputs.dtype
        i, j, f, o = tf.split(value=concat, num_or_size_splits=4, axis=1)
        if self._layer_norm:
            i = self._norm(i, "input", dtype=dtype)
            j = self._norm(j, "transform", dtype=dtype)
            f = self._norm(f, "forget", dtype=dtype)
            o = self._norm(o, "output", dtype=dtype)
        g = self._activation(j)
        if not isinstance(self._keep_prob, float) or self._keep_prob < 1:
            g = tf.compat.v1.nn.dropout(g, self._keep_prob, seed=self._seed)
        new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * g
        if self._layer_norm:
            new_c = self._norm(new_c, "state", dtype=dtype)
        new_h = self._activation(new_c) * tf.sigmoid(o)
        return new_h, LSTMStateTuple(new_c, new_h)
