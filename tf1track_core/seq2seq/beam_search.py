"""tf.contrib.seq2seq's `BeamSearchDecoder` (TF 1.15 semantics), `tile_batch`, `gather_tree`.

Each step extends every live beam by every word, scores hypotheses by their
summed log-probabilities divided by the GNMT length penalty
`((5 + length) / 6) ** length_penalty_weight`, keeps the `beam_width` best
per batch entry, and reorders the cell state by the chosen parent beams.
Finished beams only extend with the end token, at no cost. At the start only
beam 0 is live. `finalize` follows parent pointers back (`gather_tree`).
With `coverage_penalty_weight`, finished hypotheses also get GNMT's coverage
penalty over the attention they accumulated (see `coverage_penalty`).
"""

import collections

import tensorflow as tf

from tf1track_core.seq2seq.attention_wrapper import AttentionWrapperState

v1 = tf.compat.v1


class BeamSearchDecoderState(collections.namedtuple(
        "BeamSearchDecoderState",
        ("cell_state", "log_probs", "finished", "lengths", "accumulated_attention_probs"))):
    """The per-beam cell state, log-probabilities, finished flags and lengths."""


class BeamSearchDecoderOutput(collections.namedtuple(
        "BeamSearchDecoderOutput", ("scores", "predicted_ids", "parent_ids"))):
    """Per step: the kept hypotheses' scores, their last word and their parent beam."""


class FinalBeamSearchDecoderOutput(collections.namedtuple(
        "FinalBeamDecoderOutput", ["predicted_ids", "beam_search_decoder_output"])):
    """The backtracked ids `[batch, time, beam]` and the raw per-step outputs."""


def tile_batch(t, multiplier, name=None):
    """Repeats each batch entry `multiplier` times: `[b, ...] -> [b * multiplier, ...]`.

    `t` may be a nested structure (an `LSTMStateTuple`, an attention state,
    tuples, lists, dicts): every tensor in it is tiled and the structure kept,
    as in TF1. Rows repeat consecutively (b0, b0, b1, b1, ...).
    """
    with tf.name_scope(name or "tile_batch"):
        return tf.nest.map_structure(lambda x: _tile_batch(x, multiplier), t)


def _tile_batch(t, multiplier):
    t = tf.convert_to_tensor(t)
    if t.shape.rank is None or t.shape.rank < 1:
        raise ValueError("t must have statically known rank")
    tiling = [1] * (t.shape.rank + 1)
    tiling[1] = multiplier
    shape = tf.shape(t)
    tiled = tf.reshape(tf.tile(tf.expand_dims(t, 1), tiling),
                       tf.concat(([shape[0] * multiplier], shape[1:]), 0))
    batch = tf.compat.dimension_value(t.shape[0])
    static_batch = batch * multiplier if batch is not None else None
    tiled.set_shape(tf.TensorShape([static_batch]).concatenate(t.shape[1:]))
    return tiled


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token):
    """Follows parent pointers back from the last step: the full id sequence of each beam.

    `step_ids`, `parent_ids`: `[max_time, batch, beam]`. Positions at or past a
    batch entry's `max_sequence_lengths`, and every position after the first
    end token of a beam, hold `end_token` (as TF1's GatherTree op did).
    """
    step_ids = tf.convert_to_tensor(step_ids)
    parent_ids = tf.convert_to_tensor(parent_ids)
    max_sequence_lengths = tf.cast(max_sequence_lengths, tf.int32)
    end_token = tf.cast(end_token, step_ids.dtype)
    max_time = tf.shape(step_ids)[0]
    beam_width = tf.shape(step_ids)[2]
    parent = tf.tile(tf.range(beam_width)[tf.newaxis], [tf.shape(step_ids)[1], 1])

    def body(t, parent, beams):
        active = (t < max_sequence_lengths)[:, tf.newaxis]
        ids = tf.gather(step_ids[t], parent, batch_dims=1)
        next_parent = tf.gather(parent_ids[t], parent, batch_dims=1)
        beams = beams.write(t, tf.where(active, ids, end_token))
        return t - 1, tf.where(active, next_parent, parent), beams

    _, _, beams = tf.while_loop(
        lambda t, *_: t >= 0, body,
        (max_time - 1, parent, tf.TensorArray(step_ids.dtype, size=max_time)))
    beams = beams.stack()
    # After a beam's first end token, everything is the end token.
    seen_end = tf.cumsum(tf.cast(tf.equal(beams, end_token), tf.int32), axis=0, exclusive=True)
    return tf.where(seen_end > 0, end_token, beams)


def gather_tree_from_array(t, parent_ids, sequence_length):
    """Stacked per-step `[max_time, batch * beam, ...]` values reordered along each beam's path.

    Args:
      t: the stacked TensorArray, `[max_time, batch * beam, ...]` or
        `[max_time, batch, beam, ...]`.
      parent_ids: `[max_time, batch, beam]`.
      sequence_length: `[batch, beam]` final lengths; steps past a beam's
        length keep that beam's own entry.

    Returns:
      `t`'s values, where the entry of beam k at step s comes from the beam
      its final hypothesis went through at step s.
    """
    max_time, batch_size, beam_width = (tf.shape(parent_ids)[i] for i in range(3))
    beam_ids = tf.tile(tf.range(beam_width)[tf.newaxis, tf.newaxis], [max_time, batch_size, 1])
    max_sequence_lengths = tf.cast(tf.reduce_max(sequence_length, axis=1), tf.int32)
    sorted_beam_ids = gather_tree(beam_ids, parent_ids, max_sequence_lengths,
                                  end_token=beam_width + 1)
    in_bound_steps = tf.transpose(tf.sequence_mask(sequence_length, maxlen=max_time),
                                  [2, 0, 1])
    sorted_beam_ids = tf.where(in_bound_steps, sorted_beam_ids, beam_ids)
    time_ind = tf.tile(tf.reshape(tf.range(max_time), [-1, 1, 1]), [1, batch_size, beam_width])
    batch_ind = tf.transpose(tf.tile(tf.reshape(tf.range(batch_size), [-1, 1, 1]),
                                     [1, max_time, beam_width]), [1, 0, 2])
    indices = tf.stack([time_ind, batch_ind, sorted_beam_ids], -1)
    final_shape = tf.shape(t)
    ordered = tf.gather_nd(tf.reshape(t, [max_time, batch_size, beam_width, -1]), indices)
    return tf.reshape(ordered, final_shape)


class BeamSearchDecoder:
    """Beam search over `cell`, for `dynamic_decode`.

    `initial_state` must be the cell state for `batch * beam_width` entries
    (e.g. `AttentionWrapper.zero_state` over `tile_batch`'d memory).
    """

    tracks_own_finished = True

    def __init__(self, cell, embedding, start_tokens, end_token, initial_state, beam_width,
                 output_layer=None, length_penalty_weight=0.0, coverage_penalty_weight=0.0,
                 reorder_tensor_arrays=True):
        for attribute in ("state_size", "output_size"):
            if not hasattr(cell, attribute):
                raise TypeError(f"cell must be an RNN cell; it has no {attribute}.")
        coverage_penalty_weight = tf.convert_to_tensor(coverage_penalty_weight,
                                                       name="coverage_penalty_weight")
        if coverage_penalty_weight.shape.rank != 0:
            raise ValueError("coverage_penalty_weight should be a scalar, but saw shape: "
                             f"{coverage_penalty_weight.shape}")
        # As TF1: a penalty that is not statically 0 needs attention (checked at initialize).
        self._coverage_penalty_weight = (
            None if tf.get_static_value(coverage_penalty_weight) == 0.0
            else coverage_penalty_weight)
        # TensorArrays in the cell state (alignment histories) are sorted along the
        # beams' backtracked paths at the end, as TF1's finalize did.
        self._reorder_tensor_arrays = reorder_tensor_arrays
        self._cell = cell
        self._output_layer = output_layer
        self._embedding_fn = (embedding if callable(embedding)
                              else lambda ids: tf.nn.embedding_lookup(embedding, ids))
        start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32)
        if start_tokens.shape.rank != 1:
            raise ValueError("start_tokens must be a vector")
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32)
        if self._end_token.shape.rank != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(start_tokens)
        self._beam_width = beam_width
        self._length_penalty_weight = length_penalty_weight
        self._initial_cell_state = tf.nest.map_structure(self._maybe_split_batch_beams,
                                                         initial_state, self._cell.state_size)
        self._start_inputs = self._embedding_fn(
            tf.tile(tf.expand_dims(start_tokens, 1), [1, beam_width]))

    @property
    def batch_size(self):
        """The batch size, as TF1 reports it."""
        return self._batch_size

    @property
    def output_size(self):
        """The size of each output, as TF1 reports it."""
        shape = tf.TensorShape([self._beam_width])
        return BeamSearchDecoderOutput(scores=shape, predicted_ids=shape, parent_ids=shape)

    @property
    def output_dtype(self):
        """The dtype of each output, as TF1's decoder reports it."""
        dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
        return BeamSearchDecoderOutput(scores=dtype, predicted_ids=tf.int32, parent_ids=tf.int32)

    def initialize(self):
        """Only beam 0 is live at first: the others start finished, at -inf."""
        dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
        first = tf.zeros([self._batch_size], tf.int32)
        finished = tf.one_hot(first, depth=self._beam_width, on_value=False, off_value=True,
                              dtype=tf.bool)
        log_probs = tf.one_hot(first, depth=self._beam_width, on_value=tf.constant(0.0, dtype),
                               off_value=tf.constant(float("-inf"), dtype), dtype=dtype)
        initial_probs = self._attention_probs(self._initial_cell_state)
        state = BeamSearchDecoderState(
            cell_state=self._initial_cell_state, log_probs=log_probs, finished=finished,
            lengths=tf.zeros([self._batch_size, self._beam_width], tf.int64),
            accumulated_attention_probs=initial_probs if initial_probs is not None else ())
        return finished, self._start_inputs, state

    def step(self, time, inputs, state):
        """One beam-search step: `(outputs, next_state, next_inputs, finished)`."""
        inputs = tf.nest.map_structure(lambda x: self._merge_batch_beams(x), inputs)
        cell_state = tf.nest.map_structure(self._maybe_merge_batch_beams, state.cell_state,
                                           self._cell.state_size)
        cell_outputs, next_cell_state = self._cell(inputs, cell_state)
        cell_outputs = tf.nest.map_structure(self._split_batch_beams, cell_outputs)
        next_cell_state = tf.nest.map_structure(self._maybe_split_batch_beams, next_cell_state,
                                                self._cell.state_size)
        if self._output_layer is not None:
            cell_outputs = self._output_layer(cell_outputs)
        output, next_state = self._beam_search_step(cell_outputs, next_cell_state, state)
        finished = next_state.finished
        next_inputs = tf.cond(tf.reduce_all(finished), lambda: self._start_inputs,
                              lambda: self._embedding_fn(output.predicted_ids))
        return output, next_state, next_inputs, finished

    def finalize(self, outputs, final_state, sequence_lengths):
        """Backtracks the kept beams into full id sequences."""
        del sequence_lengths
        max_lengths = tf.cast(tf.reduce_max(final_state.lengths, axis=1), tf.int32)
        predicted_ids = gather_tree(outputs.predicted_ids, outputs.parent_ids, max_lengths,
                                    self._end_token)
        if self._reorder_tensor_arrays:
            final_state = final_state._replace(cell_state=tf.nest.map_structure(
                lambda t: self._maybe_sort_array_beams(t, outputs.parent_ids,
                                                       final_state.lengths),
                final_state.cell_state))
        return FinalBeamSearchDecoderOutput(predicted_ids=predicted_ids,
                                            beam_search_decoder_output=outputs), final_state

    def _maybe_sort_array_beams(self, t, parent_ids, sequence_length):
        """A TensorArray of `[batch * beam, ...]` steps, stacked and sorted by beam path.

        Anything else (tensors, TensorArrays of other element shapes) is
        returned as it is, as TF1 did (it warned and kept them).
        """
        if not isinstance(t, tf.TensorArray):
            return t
        shape = t.element_shape
        static_batch = self._static_batch()
        if shape.rank is None or shape.rank < 1 or (
                static_batch is not None and shape[0] is not None
                and shape[0] != static_batch * self._beam_width):
            return t
        return gather_tree_from_array(t.stack(), parent_ids, sequence_length)

    def _beam_search_step(self, logits, next_cell_state, state):
        batch_size, beam_width = self._batch_size, self._beam_width
        vocab_size = logits.shape[-1] or tf.shape(logits)[-1]
        previously_finished = state.finished
        not_finished = tf.logical_not(previously_finished)
        step_log_probs = _mask_probs(tf.nn.log_softmax(logits), self._end_token,
                                     previously_finished)
        total_probs = tf.expand_dims(state.log_probs, 2) + step_log_probs
        # Every word but the end token lengthens a live hypothesis by one.
        lengths_to_add = tf.one_hot(tf.fill([batch_size, beam_width], self._end_token),
                                    depth=vocab_size, on_value=tf.constant(0, tf.int64),
                                    off_value=tf.constant(1, tf.int64), dtype=tf.int64)
        lengths_to_add *= tf.expand_dims(tf.cast(not_finished, tf.int64), 2)
        new_lengths = lengths_to_add + tf.expand_dims(state.lengths, 2)
        scores = total_probs / tf.cast(
            length_penalty(new_lengths, self._length_penalty_weight), total_probs.dtype)
        accumulated_probs = None
        step_probs = self._attention_probs(next_cell_state)
        if step_probs is not None:
            # Attention of live beams adds up; the penalty rewards hypotheses
            # that have attended to every source position, once finished.
            accumulated_probs = state.accumulated_attention_probs + step_probs * \
                tf.expand_dims(tf.cast(not_finished, step_probs.dtype), 2)
            scores += tf.expand_dims(coverage_penalty(
                accumulated_probs, previously_finished, self._coverage_penalty_weight), 2)
        next_scores, word_indices = tf.math.top_k(tf.reshape(scores, [batch_size, -1]),
                                                  k=beam_width)
        static_batch = tf.get_static_value(batch_size)
        next_scores.set_shape([static_batch, beam_width])
        word_indices.set_shape([static_batch, beam_width])
        next_log_probs = _gather_beams(word_indices, total_probs, batch_size,
                                       beam_width * vocab_size, [-1])
        next_word_ids = tf.cast(tf.math.floormod(word_indices, vocab_size), tf.int32)
        next_beam_ids = tf.cast(word_indices / vocab_size, tf.int32)
        previously_finished = _gather_beams(next_beam_ids, previously_finished, batch_size,
                                            beam_width, [-1])
        next_finished = tf.logical_or(previously_finished,
                                      tf.equal(next_word_ids, self._end_token))
        next_lengths = _gather_beams(next_beam_ids, state.lengths, batch_size, beam_width, [-1])
        next_lengths += tf.cast(tf.logical_not(previously_finished), tf.int64)
        next_cell_state = tf.nest.map_structure(
            lambda value: _maybe_gather_beams(next_beam_ids, value, batch_size, beam_width),
            next_cell_state)
        next_accumulated = ()
        if accumulated_probs is not None:
            next_accumulated = _gather_beams(next_beam_ids, accumulated_probs, batch_size,
                                             beam_width, [batch_size * beam_width, -1])
        next_state = BeamSearchDecoderState(
            cell_state=next_cell_state, log_probs=next_log_probs, lengths=next_lengths,
            finished=next_finished, accumulated_attention_probs=next_accumulated)
        return BeamSearchDecoderOutput(scores=next_scores, predicted_ids=next_word_ids,
                                       parent_ids=next_beam_ids), next_state

    def _attention_probs(self, cell_state):
        """This step's alignments `[batch, beam, memory time]` when the penalty is on.

        Averaged over attention mechanisms and over attentional cells (e.g. an
        AttentionWrapper inside a MultiRNNCell), as TF1 did.
        """
        if self._coverage_penalty_weight is None:
            return None
        states = cell_state if isinstance(cell_state, tuple) and not isinstance(
            cell_state, AttentionWrapperState) else (cell_state,)
        per_cell = [_mean_of(state.alignments) for state in states
                    if isinstance(state, AttentionWrapperState)]
        if not per_cell:
            raise ValueError("coverage_penalty_weight must be 0.0 if no cell is attentional.")
        return _mean_of(tuple(per_cell))

    def _static_batch(self):
        return tf.get_static_value(self._batch_size)

    def _merge_batch_beams(self, t):
        shape = tf.shape(t)
        merged = tf.reshape(t, tf.concat(([self._batch_size * self._beam_width], shape[2:]), 0))
        static = self._static_batch()
        merged.set_shape(tf.TensorShape([static * self._beam_width if static else None])
                         .concatenate(t.shape[2:]))
        return merged

    def _split_batch_beams(self, t):
        shape = tf.shape(t)
        split = tf.reshape(t, tf.concat(([self._batch_size, self._beam_width], shape[1:]), 0))
        split.set_shape(tf.TensorShape([self._static_batch(), self._beam_width])
                        .concatenate(t.shape[1:]))
        return split

    def _maybe_split_batch_beams(self, t, size):
        del size
        if isinstance(t, tf.TensorArray):
            return t
        if t.shape.rank is None:
            raise ValueError(f"Expected tensor ({t}) to have known rank.")
        return self._split_batch_beams(t) if t.shape.rank >= 1 else t

    def _maybe_merge_batch_beams(self, t, size):
        del size
        if isinstance(t, tf.TensorArray):
            return t
        return self._merge_batch_beams(t) if t.shape.rank >= 2 else t


def _mean_of(probs):
    """One tensor as is; a tuple of them, their elementwise mean (as TF1 stacked them)."""
    if not isinstance(probs, tuple):
        return probs
    if len(probs) == 1:
        return probs[0]
    return tf.reduce_mean(tf.stack(probs, -1), -1)


def coverage_penalty(accumulated_probs, finished, weight):
    """GNMT's coverage penalty for finished beams: `weight * sum log(min(coverage, 1))`.

    Source positions never attended (zero, e.g. past the memory length) count as covered.
    """
    covered = tf.where(tf.equal(accumulated_probs, 0.0), tf.ones_like(accumulated_probs),
                       accumulated_probs)
    penalty = tf.reduce_sum(tf.math.log(tf.minimum(covered, 1.0)), 2)
    return penalty * tf.cast(finished, penalty.dtype) * tf.cast(weight, penalty.dtype)


def length_penalty(sequence_lengths, penalty_factor):
    """GNMT's length penalty `((5 + length) / 6) ** penalty_factor` (1.0 for factor 0)."""
    if isinstance(penalty_factor, (int, float)) and penalty_factor == 0:
        return 1.0
    return tf.math.divide((5.0 + tf.cast(sequence_lengths, tf.float32)) ** penalty_factor,
                          (5.0 + 1.0) ** penalty_factor)


def _mask_probs(probs, end_token, finished):
    # A finished beam may only continue with the end token, at zero cost.
    vocab_size = tf.shape(probs)[2]
    finished_row = tf.one_hot(end_token, vocab_size, dtype=probs.dtype,
                              on_value=tf.constant(0.0, probs.dtype), off_value=probs.dtype.min)
    finished_probs = tf.tile(tf.reshape(finished_row, [1, 1, -1]),
                             tf.concat([tf.shape(finished), [1]], 0))
    finished_mask = tf.tile(tf.expand_dims(finished, 2), [1, 1, vocab_size])
    return tf.where(finished_mask, finished_probs, probs)


def _gather_beams(indices, values, batch_size, range_size, gather_shape):
    offsets = tf.expand_dims(tf.range(batch_size) * range_size, 1)
    flat = tf.gather(tf.reshape(values, gather_shape), tf.reshape(indices + offsets, [-1]))
    rank = 1 + int(gather_shape.shape[0]) if tf.is_tensor(gather_shape) else 1 + len(gather_shape)
    output = tf.reshape(flat, tf.shape(values)[:rank])
    output.set_shape(values.shape[:rank])
    return output


def _maybe_gather_beams(indices, value, batch_size, beam_width):
    # Scalars (the AttentionWrapper's time) and TensorArrays pass through.
    if isinstance(value, tf.TensorArray) or value.shape.rank is None or value.shape.rank < 2:
        return value
    return _gather_beams(indices, value, batch_size, beam_width,
                         tf.stack([batch_size * beam_width, -1]))
