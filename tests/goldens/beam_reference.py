"""contrib (r1.15) BeamSearchDecoder's scoring of one step, shared by the reference recorders.

Transcribed from `beam_search_decoder.py` `_beam_search_step`: finished
beams are forced to the end token at no cost (`_mask_probs`), every word but
the end token lengthens a live beam by one, and the score is the total
log-prob over `((5 + length) / 6) ** weight` (`_length_penalty`).
"""

import numpy as np
import tensorflow as tf


def score_step(logits, log_probs, finished, lengths, end, length_penalty_weight):
    """`(scores, total_log_probs, new_lengths)`, each `[batch, beam, vocab]`."""
    batch, k, vocab = logits.shape.as_list()
    step = tf.nn.log_softmax(logits)
    end_row = tf.one_hot(end, vocab, on_value=0.0, off_value=np.finfo(np.float32).min)
    step = tf.where(tf.tile(finished[:, :, None], [1, 1, vocab]),
                    tf.broadcast_to(end_row, [batch, k, vocab]), step)
    total = log_probs[:, :, None] + step
    add = tf.cast(tf.logical_not(finished), tf.int64)[:, :, None] * tf.constant(
        [0 if w == end else 1 for w in range(vocab)], tf.int64)
    new_lengths = lengths[:, :, None] + add
    weight = length_penalty_weight
    penalty = (((5.0 + tf.cast(new_lengths, tf.float32)) ** weight) / (6.0 ** weight)
               if weight else 1.0)
    return total / penalty, total, new_lengths


def add_coverage_penalty(scores, coverage, alignments, finished, weight):
    """`(scores, coverage)` with contrib's coverage penalty (`_get_scores`).

    The step's alignments of live beams add to the accumulated coverage
    (None: nothing yet); beams finished before the step add
    `weight * sum log(min(coverage, 1))`, a coverage of 0 counting as 1.
    """
    batch, k = finished.shape.as_list()
    live = tf.cast(tf.logical_not(finished), tf.float32)[:, :, None]
    step_probs = tf.reshape(alignments, [batch, k, -1]) * live
    coverage = step_probs if coverage is None else coverage + step_probs
    covered = tf.where(tf.equal(coverage, 0.0), tf.ones_like(coverage), coverage)
    term = tf.reduce_sum(tf.math.log(tf.minimum(covered, 1.0)), 2)
    return scores + (term * tf.cast(finished, tf.float32) * weight)[:, :, None], coverage


def select_beams(scores, total, finished, lengths, end):
    """contrib's choice of the next beams: top-k over beam*vocab per batch entry.

    Returns `(top scores, parents, words, log_probs, finished, lengths,
    flat_parents)`: a word's parent beam is `index // vocab`, its id `index %
    vocab`; lengths grow for beams not finished before; `flat_parents` index
    `[batch * beam]` rows, to gather the cell states by.
    """
    batch, k, vocab = scores.shape.as_list()
    top, indices = tf.math.top_k(tf.reshape(scores, [batch, k * vocab]), k=k)
    parents, words = indices // vocab, indices % vocab
    log_probs = tf.gather(tf.reshape(total, [batch, k * vocab]), indices, batch_dims=1)
    prev_finished = tf.gather(finished, parents, batch_dims=1)
    finished = tf.logical_or(prev_finished, tf.equal(words, end))
    lengths = (tf.gather(lengths, parents, batch_dims=1)
               + tf.cast(tf.logical_not(prev_finished), tf.int64))
    flat_parents = tf.reshape(parents + tf.range(batch)[:, None] * k, [-1])
    return top, parents, words, log_probs, finished, lengths, flat_parents
