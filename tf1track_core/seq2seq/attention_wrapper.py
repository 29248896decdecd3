"""tf.contrib.seq2seq's `AttentionWrapper`: an RNN cell that attends over memory.

Each step: the cell reads `concat([inputs, previous attention])`; its output
queries every attention mechanism; the context (alignment-weighted values) is
concatenated with the cell output and projected by `attention_layer` (a
bias-free Dense, when `attention_layer_size` is set), else used as is. The
step's output is the attention (`output_attention=True`) or the cell output.
"""

import collections

import tensorflow as tf

from tf1track_core.layers.core import Dense
from tf1track_core.rnn_cell.base import RNNCell, zero_state_tensors

v1 = tf.compat.v1


class AttentionWrapperState(collections.namedtuple(
        "AttentionWrapperState", ("cell_state", "attention", "time", "alignments",
                                  "alignment_history", "attention_state"))):
    """The wrapped cell's state, the last attention and alignments, and the step count."""

    def clone(self, **kwargs):
        """A copy with some fields replaced (e.g. `cell_state` for beam search)."""
        return self._replace(**kwargs)


class AttentionWrapper(RNNCell):
    """Wraps `cell` with one or several attention mechanisms."""

    def __init__(self, cell, attention_mechanism, attention_layer_size=None,
                 alignment_history=False, cell_input_fn=None, output_attention=True,
                 initial_cell_state=None, name=None):
        super().__init__(name=name)
        self._is_multi = isinstance(attention_mechanism, (list, tuple))
        mechanisms = tuple(attention_mechanism) if self._is_multi else (attention_mechanism,)
        if cell_input_fn is None:
            cell_input_fn = lambda inputs, attention: tf.concat([inputs, attention], -1)  # noqa: E731
        if not callable(cell_input_fn):
            raise TypeError(f"cell_input_fn must be callable, saw type: "
                            f"{type(cell_input_fn).__name__}")
        if attention_layer_size is not None:
            sizes = tuple(attention_layer_size if isinstance(attention_layer_size, (list, tuple))
                          else (attention_layer_size,))
            if len(sizes) != len(mechanisms):
                raise ValueError(f"If provided, attention_layer_size must contain exactly one "
                                 f"integer per attention_mechanism, saw: {attention_layer_size}")
            self._attention_layers = tuple(
                Dense(size, name="attention_layer", use_bias=False, dtype=m.dtype)
                for size, m in zip(sizes, mechanisms))
            self._attention_layer_size = sum(sizes)
        else:
            self._attention_layers = None
            self._attention_layer_size = sum(int(m.values.shape[-1]) for m in mechanisms)
        self._cell = cell
        self._attention_mechanisms = mechanisms
        self._cell_input_fn = cell_input_fn
        self._output_attention = output_attention
        self._alignment_history = alignment_history
        self._initial_cell_state = initial_cell_state

    def _item_or_tuple(self, items):
        items = tuple(items)
        return items if self._is_multi else items[0]

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self._attention_layer_size if self._output_attention else self._cell.output_size

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        return AttentionWrapperState(
            cell_state=self._cell.state_size, time=tf.TensorShape([]),
            attention=self._attention_layer_size,
            alignments=self._item_or_tuple(m.alignments_size for m in self._attention_mechanisms),
            attention_state=self._item_or_tuple(m.state_size for m in self._attention_mechanisms),
            alignment_history=self._item_or_tuple(
                m.alignments_size if self._alignment_history else ()
                for m in self._attention_mechanisms))

    def zero_state(self, batch_size, dtype):
        """The initial state: the cell's zero (or given initial) state, zero attention."""
        cell_state = (self._initial_cell_state if self._initial_cell_state is not None
                      else self._cell.zero_state(batch_size, dtype))
        alignments = [m.initial_alignments(batch_size, dtype) for m in self._attention_mechanisms]
        return AttentionWrapperState(
            cell_state=cell_state, time=tf.zeros([], dtype=tf.int32),
            attention=zero_state_tensors(self._attention_layer_size, batch_size, dtype),
            alignments=self._item_or_tuple(alignments),
            attention_state=self._item_or_tuple(
                m.initial_state(batch_size, dtype) for m in self._attention_mechanisms),
            alignment_history=self._item_or_tuple(
                tf.TensorArray(dtype, size=0, dynamic_size=True, element_shape=a.shape)
                if self._alignment_history else () for a in alignments))

    def call(self, inputs, state):
        """One step, as TF1's cell computes it: `(output, new_state)`."""
        if not isinstance(state, AttentionWrapperState):
            raise TypeError(f"Expected state to be instance of AttentionWrapperState. "
                            f"Received type {type(state)} instead.")
        cell_inputs = self._cell_input_fn(inputs, state.attention)
        cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
        if self._is_multi:
            previous_states, previous_histories = state.attention_state, state.alignment_history
        else:
            previous_states, previous_histories = [state.attention_state], [state.alignment_history]
        attentions, alignments_list, attention_states, histories = [], [], [], []
        for i, mechanism in enumerate(self._attention_mechanisms):
            layer = self._attention_layers[i] if self._attention_layers else None
            attention, alignments, next_attention_state = compute_attention(
                mechanism, cell_output, previous_states[i], layer)
            histories.append(previous_histories[i].write(state.time, alignments)
                             if self._alignment_history else ())
            attentions.append(attention)
            alignments_list.append(alignments)
            attention_states.append(next_attention_state)
        attention = tf.concat(attentions, 1)
        next_state = AttentionWrapperState(
            time=state.time + 1, cell_state=next_cell_state, attention=attention,
            attention_state=self._item_or_tuple(attention_states),
            alignments=self._item_or_tuple(alignments_list),
            alignment_history=self._item_or_tuple(histories))
        return (attention if self._output_attention else cell_output), next_state


def compute_attention(mechanism, cell_output, attention_state, attention_layer):
    """`(attention, alignments, next_attention_state)` for one mechanism and query."""
    alignments, next_attention_state = mechanism(cell_output, attention_state)
    context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1), mechanism.values), [1])
    if attention_layer is not None:
        attention = attention_layer(tf.concat([cell_output, context], 1))
    else:
        attention = context
    return attention, alignments, next_attention_state
