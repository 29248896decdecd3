"""tf.contrib.seq2seq's `BasicDecoder`: a cell, a helper and an optional output layer."""

import collections

import tensorflow as tf


class BasicDecoderOutput(collections.namedtuple("BasicDecoderOutput",
                                                ("rnn_output", "sample_id"))):
    """Per step: the (projected) cell output and the sampled id."""


class BasicDecoder:
    """Runs `cell` one step at a time, with `helper` choosing inputs and samples."""

    def __init__(self, cell, helper, initial_state, output_layer=None):
        for attribute in ("state_size", "output_size"):
            if not hasattr(cell, attribute):
                raise TypeError(f"cell must be an RNN cell; it has no {attribute}.")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a layer, received: {type(output_layer)}")
        self._cell = cell
        self._helper = helper
        self._initial_state = initial_state
        self._output_layer = output_layer

    @property
    def batch_size(self):
        """The batch size, as TF1 reports it."""
        return self._helper.batch_size

    tracks_own_finished = False

    def _rnn_output_size(self):
        if self._output_layer is None:
            return self._cell.output_size
        # A Dense output layer maps the last dimension to `units`.
        return tf.TensorShape([self._output_layer.units])

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        return BasicDecoderOutput(rnn_output=self._rnn_output_size(),
                                  sample_id=self._helper.sample_ids_shape)

    @property
    def output_dtype(self):
        """The dtype of each output, as TF1's decoder reports it."""
        dtype = tf.nest.flatten(self._initial_state)[0].dtype
        return BasicDecoderOutput(
            tf.nest.map_structure(lambda _: dtype, self._rnn_output_size()),
            self._helper.sample_ids_dtype)

    def initialize(self):
        """`(finished, first_inputs, initial_state)`."""
        return self._helper.initialize() + (self._initial_state,)

    def step(self, time, inputs, state):
        """`(BasicDecoderOutput, next_state, next_inputs, finished)` for one step."""
        cell_outputs, cell_state = self._cell(inputs, state)
        if self._output_layer is not None:
            cell_outputs = self._output_layer(cell_outputs)
        sample_ids = self._helper.sample(time=time, outputs=cell_outputs, state=cell_state)
        finished, next_inputs, next_state = self._helper.next_inputs(
            time=time, outputs=cell_outputs, state=cell_state, sample_ids=sample_ids)
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished
