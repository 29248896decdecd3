"""TF1's `BasicRNNCell` and `GRUCell`, with TF1's kernel layouts and names."""

import tensorflow as tf

from tf1track_core.layers.base import get_activation, get_initializer
from tf1track_core.rnn_cell.base import BIAS_NAME, WEIGHTS_NAME, LayerRNNCell
from tf1track_core.rnn_cell.concat_matmul import concat_matmul

v1 = tf.compat.v1


class BasicRNNCell(LayerRNNCell):
    """`output = new_state = activation(concat([inputs, state]) @ kernel + bias)`.

    Variables: `kernel` `[input_depth + num_units, num_units]`, `bias` (zeros).
    """

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = get_activation(activation) or tf.tanh

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        return self._num_units

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self._num_units

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        depth = self._input_depth(input_shape)
        self._kernel = self.add_weight(WEIGHTS_NAME, [depth + self._num_units, self._num_units])
        self._bias = self.add_weight(BIAS_NAME, [self._num_units],
                                     initializer=v1.zeros_initializer())

    def call(self, inputs, state):
        """One step, as TF1's cell computes it: `(output, new_state)`."""
        gate_inputs = tf.nn.bias_add(concat_matmul(inputs, state, self._kernel), self._bias)
        output = self._activation(gate_inputs)
        return output, output


class GRUCell(LayerRNNCell):
    """TF1's GRU (Cho et al. 2014): reset and update gates, then the candidate.

    Variables: `gates/kernel` `[input_depth + num_units, 2 * num_units]`,
    `gates/bias` (1.0 unless `bias_initializer`), `candidate/kernel`
    `[input_depth + num_units, num_units]`, `candidate/bias` (zeros).
    """

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = get_activation(activation) or tf.tanh
        self._kernel_initializer = get_initializer(kernel_initializer)
        self._bias_initializer = get_initializer(bias_initializer)

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        return self._num_units

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self._num_units

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        depth = self._input_depth(input_shape) + self._num_units
        self._gate_kernel = self.add_weight(
            f"gates/{WEIGHTS_NAME}", [depth, 2 * self._num_units],
            initializer=self._kernel_initializer)
        self._gate_bias = self.add_weight(
            f"gates/{BIAS_NAME}", [2 * self._num_units],
            initializer=self._bias_initializer or v1.constant_initializer(1.0))
        self._candidate_kernel = self.add_weight(
            f"candidate/{WEIGHTS_NAME}", [depth, self._num_units],
            initializer=self._kernel_initializer)
        self._candidate_bias = self.add_weight(
            f"candidate/{BIAS_NAME}", [self._num_units],
            initializer=self._bias_initializer or v1.zeros_initializer())

    def call(self, inputs, state):
        """One step, as TF1's cell computes it: `(output, new_state)`."""
        gates = tf.sigmoid(tf.nn.bias_add(
            concat_matmul(inputs, state, self._gate_kernel), self._gate_bias))
        reset, update = tf.split(gates, num_or_size_splits=2, axis=1)
        candidate = tf.nn.bias_add(
            concat_matmul(inputs, reset * state, self._candidate_kernel),
            self._candidate_bias)
        candidate = self._activation(candidate)
        new_h = update * state + (1 - update) * candidate
        return new_h, new_h
