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
