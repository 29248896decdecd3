"""tf.contrib.seq2seq's `dynamic_decode`: a decoder run in a while loop until done."""

import tensorflow as tf

from tf1track_core.rnn_cell.base import batch_shape

v1 = tf.compat.v1


def _transpose_batch_time(x):
    if x.shape.rank is not None and x.shape.rank < 2:
        return x
    return tf.transpose(x, [1, 0] + list(range(2, x.shape.rank)))


def _zero_outputs(size, dtype, batch_size):
    return tf.nest.map_structure(lambda s, d: tf.zeros(batch_shape(batch_size, s), d),
                                 size, dtype)


def dynamic_decode(decoder, output_time_major=False, impute_finished=False,
                   maximum_iterations=None, parallel_iterations=32, swap_memory=False,
                   scope=None):
    """Decodes until every batch entry is finished (or `maximum_iterations`).

    Runs in `variable_scope(scope, "decoder")`, so the cell's variables are
    `decoder/...` as in TF1. With `impute_finished`, finished entries emit
    zeros and keep their state.

    Returns:
      `(final_outputs, final_state, final_sequence_lengths)`; outputs are
      batch-major unless `output_time_major`.
    """
    with v1.variable_scope(scope, "decoder"):
        if maximum_iterations is not None:
            maximum_iterations = tf.convert_to_tensor(maximum_iterations, dtype=tf.int32)
            if maximum_iterations.shape.rank != 0:
                raise ValueError("maximum_iterations must be a scalar")
        initial_finished, initial_inputs, initial_state = decoder.initialize()
        zero_outputs = _zero_outputs(decoder.output_size, decoder.output_dtype,
                                     decoder.batch_size)
        if maximum_iterations is not None:
            initial_finished = tf.logical_or(initial_finished, 0 >= maximum_iterations)
        initial_lengths = tf.zeros_like(initial_finished, dtype=tf.int32)
        outputs_ta = tf.nest.map_structure(
            lambda s, d: tf.TensorArray(dtype=d, size=0, dynamic_size=True),
            decoder.output_size, decoder.output_dtype)

        def condition(unused_time, unused_outputs_ta, unused_state, unused_inputs, finished,
                      unused_lengths):
            return tf.logical_not(tf.reduce_all(finished))

        def body(time, outputs_ta, state, inputs, finished, lengths):
            outputs, decoder_state, next_inputs, decoder_finished = decoder.step(
                time, inputs, state)
            if decoder.tracks_own_finished:
                next_finished = decoder_finished
            else:
                next_finished = tf.logical_or(decoder_finished, finished)
            next_lengths = tf.where(tf.logical_not(finished),
                                    tf.fill(tf.shape(lengths), time + 1), lengths)
            tf.nest.assert_same_structure(state, decoder_state)
            if impute_finished:
                emit = tf.nest.map_structure(lambda out, zero: v1.where(finished, zero, out),
                                             outputs, zero_outputs)

                def keep_finished(new, current):
                    if isinstance(current, tf.TensorArray) or new.shape.rank == 0:
                        return new
                    return v1.where(finished, current, new)

                next_state = tf.nest.map_structure(keep_finished, decoder_state, state)
            else:
                emit, next_state = outputs, decoder_state
            outputs_ta = tf.nest.map_structure(lambda ta, out: ta.write(time, out),
                                               outputs_ta, emit)
            return time + 1, outputs_ta, next_state, next_inputs, next_finished, next_lengths

        result = tf.while_loop(
            condition, body,
            loop_vars=(tf.constant(0, tf.int32), outputs_ta, initial_state, initial_inputs,
                       initial_finished, initial_lengths),
            parallel_iterations=parallel_iterations, maximum_iterations=maximum_iterations,
            swap_memory=swap_memory)
        final_outputs = tf.nest.map_structure(lambda ta: ta.stack(), result[1])
        final_state, final_lengths = result[2], result[5]
        finalize = getattr(decoder, "finalize", None)
        if finalize is not None:
            final_outputs, final_state = finalize(final_outputs, final_state, final_lengths)
        if not output_time_major:
            final_outputs = tf.nest.map_structure(_transpose_batch_time, final_outputs)
    return final_outputs, final_state, final_lengths
