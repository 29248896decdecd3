"""TF 1.15 contrib `LSTMBlockCell`: the fused LSTM kernel, name-compatible with `LSTMCell`.

Variables `lstm_cell/kernel` `[input_depth + num_units, 4 * num_units]`
(gates i, cell input, f, o — the layout of `BasicLSTMCell`), `lstm_cell/bias`
(zeros) and, with peepholes, `w_i_diag`, `w_f_diag`, `w_o_diag`. The step is
TensorFlow's `LSTMBlockCell` kernel; TensorFlow 2.21 registers no gradient for
it, so this module registers contrib's (through `LSTMBlockCellGrad`).
"""

import tensorflow as tf
from keras import InputSpec
from tensorflow.python.framework import ops

from tf1track_core.rnn_cell.base import LayerRNNCell, LSTMStateTuple

v1 = tf.compat.v1


def _lstm_block_cell_grad(op, *grad):
    """Gradient of `LSTMBlockCell`, as TF 1.15's contrib registered it."""
    x, cs_prev, h_prev, w, wci, wcf, wco, b = op.inputs
    i, cs, f, o, ci, co, _ = op.outputs
    _, cs_grad, _, _, _, _, h_grad = grad
    cs_grad = tf.zeros_like(cs) if cs_grad is None else cs_grad
    h_grad = tf.zeros_like(cs) if h_grad is None else h_grad
    input_size = tf.shape(x)[1]
    cs_prev_grad, dicfo, wci_grad, wcf_grad, wco_grad = tf.raw_ops.LSTMBlockCellGrad(
        x=x, cs_prev=cs_prev, h_prev=h_prev, w=w, wci=wci, wcf=wcf, wco=wco, b=b, i=i, cs=cs,
        f=f, o=o, ci=ci, co=co, cs_grad=cs_grad, h_grad=h_grad,
        use_peephole=op.get_attr("use_peephole"))
    xh_grad = tf.matmul(dicfo, w, transpose_b=True)
    x_grad = xh_grad[:, :input_size]
    h_prev_grad = xh_grad[:, input_size:]
    x_grad.set_shape(x.shape)
    h_prev_grad.set_shape(h_prev.shape)
    w_grad = tf.matmul(tf.concat([x, h_prev], 1), dicfo, transpose_a=True)
    b_grad = tf.raw_ops.BiasAddGrad(out_backprop=dicfo)
    return x_grad, cs_prev_grad, h_prev_grad, w_grad, wci_grad, wcf_grad, wco_grad, b_grad


def _register_gradient_once():
    try:
        ops._gradient_registry.lookup("LSTMBlockCell")  # pylint: disable=protected-access
    except LookupError:
        ops.RegisterGradient("LSTMBlockCell")(_lstm_block_cell_grad)


_register_gradient_once()


class LSTMBlockCell(LayerRNNCell):
    """The LSTM of `BasicLSTMCell` (optionally with peepholes and cell clipping), fused.

    Args:
      num_units: the LSTM's width.
      forget_bias: added to the forget gate's pre-activation.
      cell_clip: clip the cell state to `[-cell_clip, cell_clip]`; None: no clipping.
      use_peephole: whether to add the diagonal peephole connections.
      dtype, reuse, name: as for every TF1 layer (name `lstm_cell` by default).
    """

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False,
                 dtype=None, reuse=None, name="lstm_cell"):
        super().__init__(name=name, dtype=dtype, _reuse=reuse)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._use_peephole = use_peephole
        self._cell_clip = cell_clip if cell_clip is not None else -1
        self.input_spec = InputSpec(ndim=2)

    @property
    def state_size(self):
        """`LSTMStateTuple(num_units, num_units)`."""
        return LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        """`num_units`."""
        return self._num_units

    def build(self, input_shape):
        """Creates `kernel`, `bias` and (with peepholes) `w_i_diag`, `w_f_diag`, `w_o_diag`."""
        depth = self._input_depth(input_shape)
        self._kernel = self.add_weight("kernel", [depth + self._num_units, 4 * self._num_units])
        self._bias = self.add_weight("bias", [4 * self._num_units],
                                     initializer=v1.constant_initializer(0.0))
        if self._use_peephole:
            self._w_i_diag, self._w_f_diag, self._w_o_diag = (
                self.add_weight(name, [self._num_units])
                for name in ("w_i_diag", "w_f_diag", "w_o_diag"))

    def call(self, inputs, state):
        """One step of the fused kernel: `(h, LSTMStateTuple(cs, h))`."""
        if len(state) != 2:
            raise ValueError("Expecting state to be a tuple with length 2.")
        cs_prev, h_prev = state
        if self._use_peephole:
            wci, wcf, wco = self._w_i_diag, self._w_f_diag, self._w_o_diag
        else:
            wci = wcf = wco = tf.zeros([self._num_units], dtype=self.dtype)
        _, cs, _, _, _, _, h = tf.raw_ops.LSTMBlockCell(
            x=inputs, cs_prev=cs_prev, h_prev=h_prev, w=self._kernel, wci=wci, wcf=wcf,
            wco=wco, b=self._bias, forget_bias=self._forget_bias, cell_clip=self._cell_clip,
            use_peephole=self._use_peephole)
        return h, LSTMStateTuple(cs, h)
