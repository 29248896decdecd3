"""GNMT's decoder cell and residual function (nmt's `gnmt_model.py`)."""

import tensorflow as tf

from tf1track_core import rnn_cell

v1 = tf.compat.v1


class GNMTAttentionMultiCell(rnn_cell.MultiRNNCell):
    """A stack whose bottom cell attends; every upper cell also reads the attention.

    Scopes as nmt: `multi_rnn_cell/cell_0_attention/<attention wrapper>` and
    `multi_rnn_cell/cell_<i>/...`. With `use_new_attention` (gnmt_v2) the
    upper cells read this step's attention, otherwise the previous step's.
    """

    def __init__(self, attention_cell, cells, use_new_attention=False):
        super().__init__([attention_cell] + list(cells), state_is_tuple=True)
        self.use_new_attention = use_new_attention

    def __call__(self, inputs, state, scope=None):
        """One step of the stack: `(output of the top cell, tuple of new states)`."""
        if not tf.nest.is_nested(state) or len(state) != len(self._cells):
            raise ValueError(f"GNMTAttentionMultiCell: expected a state tuple of "
                             f"{len(self._cells)} cell states, got {state!r}.")
        with v1.variable_scope(scope or "multi_rnn_cell"):
            new_states = []
            with v1.variable_scope("cell_0_attention"):
                attention_state = state[0]
                cur_inp, new_attention_state = self._cells[0](inputs, attention_state)
                new_states.append(new_attention_state)
            for i in range(1, len(self._cells)):
                with v1.variable_scope(f"cell_{i}"):
                    attention = (new_attention_state if self.use_new_attention
                                 else attention_state).attention
                    cur_inp, new_state = self._cells[i](tf.concat([cur_inp, attention], -1),
                                                        state[i])
                    new_states.append(new_state)
        return cur_inp, tuple(new_states)


def gnmt_residual_fn(inputs, outputs):
    """The residual of a cell whose input is wider than its output (it also holds the attention).

    Only the input's first `output depth` features are added to the output;
    the rest (the attention concatenated by the multi cell) is dropped.
    """

    def split_input(inp, out):
        out_dim = out.shape[-1]
        inp_dim = inp.shape[-1]
        return tf.split(inp, [out_dim, inp_dim - out_dim], axis=-1)

    actual_inputs, _ = tf.nest.map_structure(split_input, inputs, outputs)

    def add(inp, out):
        inp.shape.assert_is_compatible_with(out.shape)
        return inp + out

    return tf.nest.map_structure(add, actual_inputs, outputs)
