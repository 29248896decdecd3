"""TF1 `shape[i].value` code: TensorFlow's own `disable_v2_tensorshape()`, and tf1track under it.

How tf1track supports TF1 `TensorShape` code (see the README's known limits):
TF1 shape semantics (`x.shape[1]` a `Dimension`, `.value`) are TensorFlow's
process-wide switch `tf.compat.v1.disable_v2_tensorshape()`, as in TF1; a
tracked call does not flip it (TF2 code in the same call would break), and
tf1track's own layers, cells, seq2seq and contrib code work under both. This
runs them under TF1 shapes in a fresh process.
"""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import tensorflow as tf
    tf.compat.v1.disable_v2_tensorshape()
    import keras
    import tf1track_core
    tf1track_core.install()
    from tensorflow.contrib import layers, rnn, seq2seq
    v1 = tf.compat.v1

    class Model(keras.layers.Layer):
        @tf1track_core.track_tf1_style_variables
        def call(self, x):
            assert x.shape[2].value == 4  # TF1 code, TF1 shapes
            h = layers.layer_norm(layers.fully_connected(x, 6), begin_norm_axis=-1)
            h = layers.batch_norm(h, is_training=True)
            cell = rnn.MultiRNNCell([rnn.LSTMBlockCell(5), rnn.LayerNormBasicLSTMCell(5)])
            memory, state = v1.nn.dynamic_rnn(cell, h, dtype=tf.float32)
            mechanism = seq2seq.BahdanauAttention(5, seq2seq.tile_batch(memory, 2),
                                                  normalize=True)
            decoder_cell = seq2seq.AttentionWrapper(v1.nn.rnn_cell.LSTMCell(5), mechanism,
                                                    attention_layer_size=5)
            initial = decoder_cell.zero_state(4, tf.float32).clone(
                cell_state=seq2seq.tile_batch(state[0], 2))
            embedding = v1.get_variable("embedding", [7, 3])
            # End token -1 is never chosen: the decode always runs maximum_iterations
            # (with 1, random weights sometimes ended every beam early).
            decoder = seq2seq.BeamSearchDecoder(decoder_cell, embedding, tf.zeros([2], tf.int32),
                                                -1, initial, beam_width=2,
                                                output_layer=v1.layers.Dense(7))
            outputs, _, _ = seq2seq.dynamic_decode(decoder, maximum_iterations=3)
            return outputs.predicted_ids

    model = Model()
    x = tf.ones([2, 3, 4])
    print(model(x).shape.as_list(), tf.function(model)(x).shape.as_list(), len(model.weights))
""")


def test_tf1track_runs_under_tf1_tensor_shapes():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    # ids [batch, time, beam] in eager and tf.function; 31 variables: fully_connected 2,
    # layer_norm 2, batch_norm 3, LSTMBlockCell 2, LayerNormBasicLSTMCell 11, decoder
    # LSTMCell 2, Bahdanau (memory, query, v, g, b) 5, attention layer 1, embedding 1,
    # output layer 2.
    assert result.stdout.strip().splitlines()[-1] == "[2, 3, 2] [2, 3, 2] 31"
