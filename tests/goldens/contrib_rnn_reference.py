"""Independent TF1 references for contrib cells and `embed_sequence`, for the recorder only.

* `LSTMBlockCell`: the same LSTM as tf-keras's legacy `LSTMCell` (gates i, j,
  f, o; peepholes on c_prev for i, f and on the new c for o; clipping before
  the output gate), with the same variable names: the recorder uses it.
* `LayerNormBasicLSTMCell` and `embed_sequence`: transcriptions of TF 1.15's
  contrib code (`contrib/rnn/python/ops/rnn_cell.py`,
  `contrib/layers/python/layers/encoders.py`) on tf-keras's legacy `RNNCell`,
  TF-Slim's `layer_norm` and `model_variable`. Never imported by tf1track.
"""

import tensorflow as tf
import tf_slim
from tf_keras.src.layers.rnn import legacy_cells

v1 = tf.compat.v1


class LayerNormBasicLSTMCell(legacy_cells.RNNCell):
    """TF 1.15's `LayerNormBasicLSTMCell`, step by step as its source."""

    def __init__(self, num_units, forget_bias=1.0, activation=tf.tanh, layer_norm=True,
                 norm_gain=1.0, norm_shift=0.0, dropout_keep_prob=1.0, reuse=None):
        super().__init__(_reuse=reuse)
        self._num_units, self._forget_bias, self._activation = num_units, forget_bias, activation
        self._layer_norm, self._g, self._b = layer_norm, norm_gain, norm_shift
        self._keep_prob = dropout_keep_prob

    @property
    def state_size(self):
        return legacy_cells.LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def _norm(self, inp, scope, dtype=tf.float32):
        shape = inp.get_shape()[-1:]
        gamma_init = v1.constant_initializer(self._g)
        beta_init = v1.constant_initializer(self._b)
        with v1.variable_scope(scope):
            v1.get_variable("gamma", shape=shape, initializer=gamma_init, dtype=dtype)
            v1.get_variable("beta", shape=shape, initializer=beta_init, dtype=dtype)
        return tf_slim.layer_norm(inp, reuse=True, scope=scope)

    def _linear(self, args):
        out_size = 4 * self._num_units
        proj_size = args.get_shape()[-1]
        weights = v1.get_variable("kernel", [proj_size, out_size], dtype=args.dtype)
        out = tf.matmul(args, weights)
        if not self._layer_norm:
            bias = v1.get_variable("bias", [out_size], dtype=args.dtype)
            out = tf.nn.bias_add(out, bias)
        return out

    def call(self, inputs, state):
        c, h = state
        args = tf.concat([inputs, h], 1)
        concat = self._linear(args)
        dtype = args.dtype
        i, j, f, o = tf.split(value=concat, num_or_size_splits=4, axis=1)
        if self._layer_norm:
            i = self._norm(i, "input", dtype=dtype)
            j = self._norm(j, "transform", dtype=dtype)
            f = self._norm(f, "forget", dtype=dtype)
            o = self._norm(o, "output", dtype=dtype)
        g = self._activation(j)
        if (not isinstance(self._keep_prob, float)) or self._keep_prob < 1:
            g = v1.nn.dropout(g, self._keep_prob)
        new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * g
        if self._layer_norm:
            new_c = self._norm(new_c, "state", dtype=dtype)
        new_h = self._activation(new_c) * tf.sigmoid(o)
        return new_h, legacy_cells.LSTMStateTuple(new_c, new_h)


_LayerNormBasicLSTMCell = LayerNormBasicLSTMCell  # (its snake_case name is the TF1 scope)


class ReferenceCells:
    """The reference cells, by the names the cases use."""

    MultiRNNCell = legacy_cells.MultiRNNCell
    LayerNormBasicLSTMCell = _LayerNormBasicLSTMCell

    @staticmethod
    def LSTMBlockCell(num_units, forget_bias=1.0, cell_clip=None, use_peephole=False):  # noqa: N802
        return legacy_cells.LSTMCell(num_units, use_peepholes=use_peephole, cell_clip=cell_clip,
                                     forget_bias=forget_bias, name="lstm_cell")


def embed_sequence(ids, vocab_size=None, embed_dim=None, scope=None, reuse=None):
    """TF 1.15's `embed_sequence` (no `unique`), as its source."""
    with v1.variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
        embeddings = tf_slim.model_variable("embeddings", shape=[vocab_size, embed_dim])
        return tf.nn.embedding_lookup(embeddings, ids)
