"""tensor2tensor's beam search (`utils/beam_search.py`, the non-TPU path of t2t 1.15).

Keeps `beam_size` alive sequences and `beam_size` finished ones per batch
entry; each step grows the alive ones by their `2 * beam_size` best
extensions, scored by log probability over the length penalty
`((5 + length) / 6) ** alpha`; it stops at `decode_length` or once no alive
sequence can beat the finished ones. Decoder state (the incremental cache)
travels with its beam.
"""

import tensorflow as tf

from zoo.common.attention import shape_list

# t2t's stand-in for infinity in scores.
INF = 1.0 * 1e7
EOS_ID = 1


def _merge_beam_dim(tensor):
    """`[batch, beam, ...]` -> `[batch * beam, ...]`."""
    shape = shape_list(tensor)
    return tf.reshape(tensor, [shape[0] * shape[1]] + shape[2:])


def _unmerge_beam_dim(tensor, batch_size, beam_size):
    """`[batch * beam, ...]` -> `[batch, beam, ...]`."""
    return tf.reshape(tensor, [batch_size, beam_size] + shape_list(tensor)[1:])


def expand_to_beam_size(tensor, beam_size):
    """`[batch, ...]` -> `[batch, beam, ...]` by tiling."""
    tensor = tf.expand_dims(tensor, axis=1)
    multiples = [1] * tensor.shape.rank
    multiples[1] = beam_size
    return tf.tile(tensor, multiples)


def get_state_shape_invariants(tensor):
    """The tensor's shape with every dimension but the first and last free (they grow)."""
    shape = tensor.shape.as_list()
    for i in range(1, len(shape) - 1):
        shape[i] = None
    return tf.TensorShape(shape)


def compute_batch_indices(batch_size, beam_size):
    """`[[0, 0, ...], [1, 1, ...], ...]`: the batch coordinate of each beam entry."""
    return tf.reshape(tf.range(batch_size * beam_size) // beam_size, [batch_size, beam_size])


def compute_topk_scores_and_seq(sequences, scores, scores_to_gather, flags, beam_size,
                                batch_size, states_to_gather=None):
    """The `beam_size` entries of highest `scores`: their sequences, gathered scores, flags, states."""
    _, topk_indexes = tf.nn.top_k(scores, k=beam_size)
    coordinates = tf.stack([compute_batch_indices(batch_size, beam_size), topk_indexes], axis=2)
    states = None
    if states_to_gather:
        states = tf.nest.map_structure(lambda state: tf.gather_nd(state, coordinates),
                                       states_to_gather)
    return (tf.gather_nd(sequences, coordinates), tf.gather_nd(scores_to_gather, coordinates),
            tf.gather_nd(flags, coordinates), states)


def beam_search(symbols_to_logits_fn, initial_ids, beam_size, decode_length, vocab_size, alpha,
                states=None, eos_id=EOS_ID, stop_early=True):
    """t2t's `beam_search`; returns `(sequences [batch, beam, len + 1], scores [batch, beam])`.

    `symbols_to_logits_fn(ids [batch * beam, i + 1], i, states)` returns the
    next-id logits `[batch * beam, vocab]` and the updated states. Sequences
    start with `initial_ids`; the scores of finished sequences are length
    penalised, those of a batch entry where none finished are the alive log
    probabilities, as t2t.
    """
    batch_size = shape_list(initial_ids)[0]
    initial_log_probs = tf.constant([[0.0] + [-INF] * (beam_size - 1)])
    alive_log_probs = tf.tile(initial_log_probs, [batch_size, 1])
    alive_seq = tf.expand_dims(expand_to_beam_size(initial_ids, beam_size), axis=2)
    states = (tf.nest.map_structure(lambda state: expand_to_beam_size(state, beam_size), states)
              if states else {})
    finished_seq = tf.zeros(shape_list(alive_seq), tf.int32)
    finished_scores = tf.ones([batch_size, beam_size]) * -INF
    finished_flags = tf.zeros([batch_size, beam_size], tf.bool)

    def grow_finished(finished_seq, finished_scores, finished_flags, curr_seq, curr_scores,
                      curr_finished):
        finished_seq = tf.concat([finished_seq, tf.zeros([batch_size, beam_size, 1], tf.int32)],
                                 axis=2)
        # Unfinished candidates must never displace a finished sequence.
        curr_scores += (1.0 - tf.cast(curr_finished, tf.float32)) * -INF
        return compute_topk_scores_and_seq(
            tf.concat([finished_seq, curr_seq], axis=1),
            tf.concat([finished_scores, curr_scores], axis=1),
            tf.concat([finished_scores, curr_scores], axis=1),
            tf.concat([finished_flags, curr_finished], axis=1), beam_size, batch_size)

    def grow_alive(curr_seq, curr_scores, curr_log_probs, curr_finished, states):
        # Sequences that just hit EOS leave the alive set.
        curr_scores += tf.cast(curr_finished, tf.float32) * -INF
        return compute_topk_scores_and_seq(curr_seq, curr_scores, curr_log_probs, curr_finished,
                                           beam_size, batch_size, states)

    def grow_topk(i, alive_seq, alive_log_probs, states):
        flat_ids = tf.reshape(alive_seq, [batch_size * beam_size, -1])
        if states:
            flat_states = tf.nest.map_structure(_merge_beam_dim, states)
            flat_logits, flat_states = symbols_to_logits_fn(flat_ids, i, flat_states)
            states = tf.nest.map_structure(
                lambda t: _unmerge_beam_dim(t, batch_size, beam_size), flat_states)
        else:
            flat_logits = symbols_to_logits_fn(flat_ids)
        logits = tf.reshape(flat_logits, [batch_size, beam_size, -1])
        candidate_log_probs = logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True)
        log_probs = candidate_log_probs + tf.expand_dims(alive_log_probs, axis=2)
        length_penalty = tf.pow((5.0 + tf.cast(i + 1, tf.float32)) / 6.0, alpha)
        curr_scores = log_probs / length_penalty
        flat_curr_scores = tf.reshape(curr_scores, [-1, beam_size * vocab_size])
        # 2 * beam candidates: even if beam of them end here, beam stay alive.
        topk_scores, topk_ids = tf.nn.top_k(flat_curr_scores, k=beam_size * 2)
        topk_log_probs = topk_scores * length_penalty
        topk_beam_index = topk_ids // vocab_size
        topk_ids %= vocab_size
        coordinates = tf.stack([compute_batch_indices(batch_size, beam_size * 2),
                                topk_beam_index], axis=2)
        topk_seq = tf.gather_nd(alive_seq, coordinates)
        if states:
            states = tf.nest.map_structure(lambda state: tf.gather_nd(state, coordinates), states)
        topk_seq = tf.concat([topk_seq, tf.expand_dims(topk_ids, axis=2)], axis=2)
        topk_finished = tf.equal(topk_ids, eos_id)
        return topk_seq, topk_log_probs, topk_scores, topk_finished, states

    def inner_loop(i, alive_seq, alive_log_probs, finished_seq, finished_scores, finished_flags,
                   states):
        topk_seq, topk_log_probs, topk_scores, topk_finished, states = grow_topk(
            i, alive_seq, alive_log_probs, states)
        alive_seq, alive_log_probs, _, states = grow_alive(
            topk_seq, topk_scores, topk_log_probs, topk_finished, states)
        finished_seq, finished_scores, finished_flags, _ = grow_finished(
            finished_seq, finished_scores, finished_flags, topk_seq, topk_scores, topk_finished)
        return (i + 1, alive_seq, alive_log_probs, finished_seq, finished_scores,
                finished_flags, states)

    def is_not_finished(i, unused_alive_seq, alive_log_probs, unused_finished_seq,
                        finished_scores, unused_finished_flags, unused_states):
        max_length_penalty = tf.pow((5.0 + tf.cast(decode_length, tf.float32)) / 6.0, alpha)
        # The best an alive sequence can still reach.
        lower_bound_alive_scores = alive_log_probs[:, 0] / max_length_penalty
        if not stop_early:
            lowest_finished = tf.reduce_min(finished_scores)
        else:
            lowest_finished = tf.reduce_max(finished_scores, axis=1)
        bound_is_met = tf.reduce_all(tf.greater(lowest_finished, lower_bound_alive_scores))
        return tf.logical_and(tf.less(i, decode_length), tf.logical_not(bound_is_met))

    free = tf.TensorShape([None, None, None])
    (_, alive_seq, alive_log_probs, finished_seq, finished_scores, finished_flags,
     _) = tf.while_loop(
         is_not_finished, inner_loop,
         [tf.constant(0), alive_seq, alive_log_probs, finished_seq, finished_scores,
          finished_flags, states],
         shape_invariants=[tf.TensorShape([]), free, alive_log_probs.shape, free,
                           finished_scores.shape, finished_flags.shape,
                           tf.nest.map_structure(get_state_shape_invariants, states)],
         parallel_iterations=1)
    # A batch entry where nothing finished returns its alive sequences.
    any_finished = tf.reduce_any(finished_flags, axis=1)
    finished_seq = tf.where(any_finished[:, tf.newaxis, tf.newaxis], finished_seq, alive_seq)
    finished_scores = tf.where(any_finished[:, tf.newaxis], finished_scores, alive_log_probs)
    return finished_seq, finished_scores
