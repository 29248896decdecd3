"""tf.contrib.seq2seq's decoding helpers: `TrainingHelper` and `GreedyEmbeddingHelper`.

A helper gives a decoder its first inputs, picks each step's sample ids and
the next inputs, and says which batch entries have finished.
"""

import tensorflow as tf


class TrainingHelper:
    """Teacher forcing: step t reads `inputs[:, t]`; finished past `sequence_length`."""

    def __init__(self, inputs, sequence_length, time_major=False, name=None):
        del name
        inputs = tf.nest.map_structure(tf.convert_to_tensor, inputs)
        if not time_major:
            inputs = tf.nest.map_structure(
                lambda x: tf.transpose(x, [1, 0] + list(range(2, x.shape.rank))), inputs)
        self._inputs = inputs
        self._sequence_length = tf.convert_to_tensor(sequence_length)
        if self._sequence_length.shape.rank != 1:
            raise ValueError(f"Expected sequence_length to be a vector, but received shape: "
                             f"{self._sequence_length.shape}")
        self._zero_inputs = tf.nest.map_structure(lambda x: tf.zeros_like(x[0, :]), inputs)
        self._batch_size = tf.size(self._sequence_length)

    @property
    def batch_size(self):
        """The batch size, as TF1 reports it."""
        return self._batch_size

    sample_ids_shape = tf.TensorShape([])
    sample_ids_dtype = tf.int32

    def _read(self, time, finished):
        all_finished = tf.reduce_all(finished)
        max_time = tf.shape(tf.nest.flatten(self._inputs)[0])[0]
        safe_time = tf.minimum(time, max_time - 1)
        return tf.cond(all_finished, lambda: self._zero_inputs,
                       lambda: tf.nest.map_structure(lambda x: x[safe_time], self._inputs))

    def initialize(self):
        """`(finished, first inputs)` for the first decoding step."""
        finished = tf.equal(0, self._sequence_length)
        return finished, self._read(0, finished)

    def sample(self, time, outputs, state):
        """The ids chosen from this step's outputs."""
        del time, state
        return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

    def next_inputs(self, time, outputs, state, sample_ids):
        """`(finished, next inputs, state)` after this step."""
        del outputs, sample_ids
        next_time = time + 1
        finished = next_time >= self._sequence_length
        return finished, self._read(next_time, finished), state


class GreedyEmbeddingHelper:
    """Greedy decoding: the argmax id of each step is embedded as the next input."""

    def __init__(self, embedding, start_tokens, end_token):
        if callable(embedding):
            self._embedding_fn = embedding
        else:
            self._embedding_fn = lambda ids: tf.nn.embedding_lookup(embedding, ids)
        self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32)
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32)
        if self._start_tokens.shape.rank != 1:
            raise ValueError("start_tokens must be a vector")
        if self._end_token.shape.rank != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(self._start_tokens)
        self._start_inputs = self._embedding_fn(self._start_tokens)

    @property
    def batch_size(self):
        """The batch size, as TF1 reports it."""
        return self._batch_size

    sample_ids_shape = tf.TensorShape([])
    sample_ids_dtype = tf.int32

    def initialize(self):
        """`(finished, first inputs)` for the first decoding step."""
        return tf.tile([False], [self._batch_size]), self._start_inputs

    def sample(self, time, outputs, state):
        """The ids chosen from this step's outputs."""
        del time, state
        if not tf.is_tensor(outputs):
            raise TypeError(f"Expected outputs to be a single Tensor, got: {type(outputs)}")
        return tf.argmax(outputs, axis=-1, output_type=tf.int32)

    def next_inputs(self, time, outputs, state, sample_ids):
        """`(finished, next inputs, state)` after this step."""
        del time, outputs
        finished = tf.equal(sample_ids, self._end_token)
        all_finished = tf.reduce_all(finished)
        next_inputs = tf.cond(all_finished, lambda: self._start_inputs,
                              lambda: self._embedding_fn(sample_ids))
        return finished, next_inputs, state
