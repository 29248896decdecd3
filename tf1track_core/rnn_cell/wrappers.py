"""TF1's `MultiRNNCell` and the cell wrappers (dropout, residual, device).

Wrappers add no variable scope of their own: they call the wrapped cell's
`__call__` directly, so a wrapped cell's variables keep the names it would
have unwrapped. `MultiRNNCell` scopes its cells as `cell_0`, `cell_1`, ...
"""

import hashlib
import itertools

import tensorflow as tf

from tf1track_core.rnn_cell.base import RNNCell

v1 = tf.compat.v1


class MultiRNNCell(RNNCell):
    """Stacks cells: each one's output is the next one's input; states are a tuple."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but received: {cells!r}.")
        if not state_is_tuple and any(tf.nest.is_nested(c.state_size) for c in cells):
            raise ValueError("Some cells return tuples of states, but the flag "
                             "state_is_tuple is not set. State sizes are: "
                             f"{[c.state_size for c in cells]}")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        """The all-zero initial state for `batch_size`, in TF1's structure."""
        if self._state_is_tuple:
            return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
        return super().zero_state(batch_size, dtype)

    def call(self, inputs, state):
        """One step, as TF1's cell computes it: `(output, new_state)`."""
        position = 0
        outputs = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with v1.variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not tf.nest.is_nested(state):
                        raise ValueError(f"Expected state to be a tuple of length "
                                         f"{len(self.state_size)}, but received: {state}")
                    cell_state = state[i]
                else:
                    cell_state = tf.slice(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                outputs, new_state = cell(outputs, cell_state)
                new_states.append(new_state)
        return outputs, (tuple(new_states) if self._state_is_tuple
                         else tf.concat(new_states, 1))


class _Wrapper(RNNCell):
    """Runs the wrapped cell's own `__call__` (no extra scope)."""

    def __init__(self, cell):
        super().__init__()
        for attribute in ("state_size", "output_size", "zero_state"):
            if not hasattr(cell, attribute):
                raise TypeError(f"The cell to wrap must be an RNN cell; {cell!r} has no "
                                f"{attribute}.")
        self.cell = cell

    @property
    def state_size(self):
        """The size of the state, as TF1's cell reports it."""
        return self.cell.state_size

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return self.cell.output_size

    def zero_state(self, batch_size, dtype):
        """The all-zero initial state for `batch_size`, in TF1's structure."""
        return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self._call_wrapped_cell(inputs, state, scope=scope)

    def _call_wrapped_cell(self, inputs, state, scope):
        raise NotImplementedError


class ResidualWrapper(_Wrapper):
    """Adds the inputs to the outputs (`residual_fn(inputs, outputs)` if given)."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _call_wrapped_cell(self, inputs, state, scope):
        outputs, new_state = self.cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, outputs), new_state

        def add(inp, out):
            if inp.shape.as_list()[-1:] != out.shape.as_list()[-1:]:
                raise ValueError(f"ResidualWrapper: inputs of shape {inp.shape} and outputs "
                                 f"of shape {out.shape} cannot be added.")
            return inp + out

        tf.nest.assert_same_structure(inputs, outputs)
        return tf.nest.map_structure(add, inputs, outputs), new_state


class DeviceWrapper(_Wrapper):
    """Runs the wrapped cell (and builds its zero state) on `device`."""

    def __init__(self, cell, device):
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size, dtype):
        """The all-zero initial state for `batch_size`, in TF1's structure."""
        with tf.device(self._device):
            return self.cell.zero_state(batch_size, dtype)

    def _call_wrapped_cell(self, inputs, state, scope):
        with tf.device(self._device):
            return self.cell(inputs, state, scope=scope)


def default_dropout_state_filter_visitor(substate):
    """TF1's default state filter: drop every state tensor but an LSTM's memory `c`.

    Any `(c, h)` namedtuple counts as an LSTM state (TF1's own LSTMStateTuple
    from a custom cell too), answered in its own type.
    """
    if getattr(type(substate), "_fields", None) == ("c", "h"):  # LSTMStateTuple, ours or TF1's
        return type(substate)(c=False, h=True)
    return not isinstance(substate, tf.TensorArray)


class DropoutWrapper(_Wrapper):
    """Dropout on a cell's inputs, outputs and state, with keep probabilities.

    A keep probability of exactly 1.0 (a float) applies nothing. With
    `variational_recurrent`, one mask per sequence is drawn (needs
    `input_size` when `input_keep_prob < 1`, and `dtype`), as in TF1. Seeds
    per input/state/output element are derived from `seed` as TF1 did.
    `dropout_state_filter_visitor(substate)` says which parts of the state
    to drop, as in TF1: True (drop, looking further in), False (leave this
    part alone) or a one-level structure of booleans; by default every state
    tensor is dropped but an LSTM's memory `c`.
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell)
        for name, value in (("input_keep_prob", input_keep_prob),
                            ("output_keep_prob", output_keep_prob),
                            ("state_keep_prob", state_keep_prob)):
            constant = tf.get_static_value(value)
            if constant is not None and not 0 < float(constant) <= 1:
                raise ValueError(f"Parameter {name} must be between 0 and 1: {constant}")
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._variational_recurrent = variational_recurrent
        self._seed = seed
        if dropout_state_filter_visitor is not None and not callable(
                dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable. "
                            f"Received: {dropout_state_filter_visitor!r}")
        self._state_filter = dropout_state_filter_visitor or default_dropout_state_filter_visitor
        self._recurrent_noise = None
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided.")
            self._recurrent_noise = {
                "input": self._noise(input_size, dtype, "input")
                if self._should_drop(input_keep_prob) else None,
                "state": self._noise(cell.state_size, dtype, "state"),
                "output": self._noise(cell.output_size, dtype, "output"),
            }
            if self._should_drop(input_keep_prob) and input_size is None:
                raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 "
                                 "or is unknown, input_size must be provided")

    @staticmethod
    def _should_drop(keep_prob):
        return not isinstance(keep_prob, float) or keep_prob < 1

    def _gen_seed(self, salt_prefix, index):
        # TF1's per-element seed: md5 of the seed and a salt.
        if self._seed is None:
            return None
        digest = hashlib.md5(f"{self._seed}{salt_prefix}_{index}".encode("utf-8")).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    def _noise(self, sizes, dtype, salt_prefix):
        flat = tf.nest.flatten(sizes)
        noise = [tf.random.uniform([1] + tf.TensorShape(size).as_list(),
                                   seed=self._gen_seed(salt_prefix, i), dtype=dtype)
                 for i, size in enumerate(flat)]
        return tf.nest.pack_sequence_as(sizes, noise)

    def _dropout(self, values, salt_prefix, keep_prob, noise=None, filter_structure=None):
        """Dropout on `values` where `filter_structure` (a shallow copy of bools) says.

        Element `i` of the filter's flattening gets seed `salt_prefix_i`, as in
        TF1, whether it is dropped or not.
        """
        shallow = values if filter_structure is None else filter_structure
        if noise is None:
            noise = tf.nest.map_structure(lambda _: None, values)
        index = itertools.count()

        def drop(do_drop, value, value_noise):
            i = next(index)
            if isinstance(do_drop, bool) and not do_drop:
                return value
            if value_noise is None:
                return tf.nn.dropout(value, rate=1 - keep_prob,
                                     seed=self._gen_seed(salt_prefix, i))
            return tf.math.divide(value, keep_prob) * tf.floor(keep_prob + value_noise)

        return tf.__internal__.nest.map_structure_up_to(shallow, drop, shallow, values, noise)

    def _call_wrapped_cell(self, inputs, state, scope):
        noise = self._recurrent_noise or {}
        if self._should_drop(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob, noise.get("input"))
        outputs, new_state = self.cell(inputs, state, scope=scope)
        if self._should_drop(self._state_keep_prob):
            new_state = self._drop_state(new_state, noise.get("state"))
        if self._should_drop(self._output_keep_prob):
            outputs = self._dropout(outputs, "output", self._output_keep_prob,
                                    noise.get("output"))
        return outputs, new_state

    def _drop_state(self, state, noise):
        shallow = tf.__internal__.nest.get_traverse_shallow_structure(self._state_filter, state)
        return self._dropout(state, "state", self._state_keep_prob, noise, shallow)
