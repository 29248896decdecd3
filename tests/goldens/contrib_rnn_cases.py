"""The contrib RNN cell cases shared by the golden recorder and the parity test.

`run_rnn_case(cells, case, x)` builds the case's cell from `cells` (an object
with `LSTMBlockCell` / `LayerNormBasicLSTMCell` factories: the references in
the recorder, `tf.contrib.rnn` of tf1track in the test), runs TF core's
`dynamic_rnn` and returns the outputs and the final (c, h) as one tensor.
"""

import tensorflow as tf

RNN_CASES = {
    "lstm_block_plain": dict(cell="LSTMBlockCell", input=[3, 4, 5],
                             kwargs={"num_units": 6, "forget_bias": 0.5}),
    "lstm_block_peephole": dict(cell="LSTMBlockCell", input=[2, 5, 3],
                                kwargs={"num_units": 4, "use_peephole": True},
                                sequence_length=[5, 3]),
    # TF's fused kernel's gradient ignores the clipping (TF 1.15's did too), the
    # reference LSTMCell's does not: outputs only.
    "lstm_block_peephole_clip": dict(cell="LSTMBlockCell", input=[2, 5, 3],
                                     kwargs={"num_units": 4, "use_peephole": True,
                                             "cell_clip": 0.8}, sequence_length=[5, 3],
                                     forward_only=True),
    "layer_norm_lstm": dict(cell="LayerNormBasicLSTMCell", input=[3, 4, 5],
                            kwargs={"num_units": 6, "forget_bias": 0.7}),
    "layer_norm_lstm_gain_shift_multi": dict(
        cell="LayerNormBasicLSTMCell", input=[2, 3, 4], layers=2,
        kwargs={"num_units": 5, "norm_gain": 1.5, "norm_shift": 0.2}),
    "basic_lstm_no_layer_norm": dict(cell="LayerNormBasicLSTMCell", input=[2, 3, 4],
                                     kwargs={"num_units": 3, "layer_norm": False}),
}


def run_rnn_case(cells, case, x):
    """`concat([outputs flattened over time, c, h], 1)` of `dynamic_rnn` over the case's cell."""
    make = getattr(cells, case["cell"])
    if case.get("layers"):
        cell = cells.MultiRNNCell([make(**case["kwargs"]) for _ in range(case["layers"])])
    else:
        cell = make(**case["kwargs"])
    sequence_length = case.get("sequence_length")
    outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, sequence_length=sequence_length,
                                                 dtype=tf.float32)
    final = state[-1] if case.get("layers") else state
    batch = x.shape[0]
    return tf.concat([tf.reshape(outputs, [batch, -1]), final.c, final.h], axis=1)
