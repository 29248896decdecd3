"""The RNN cell cases shared by the golden recorder and the parity test.

Both sides build the same case from their own cell module: TF1's
`tf.compat.v1.nn.rnn_cell` of tf-keras (recorder) or `tf1track_core.rnn_cell`
(test), driven by TF core's `dynamic_rnn`, `bidirectional_dynamic_rnn` or
`static_rnn`.
"""

import tensorflow as tf

v1 = tf.compat.v1


def lstm(units, **kwargs):
    return {"type": "BasicLSTMCell", "args": [units], "kwargs": kwargs}


def cell(type_name, *args, **kwargs):
    return {"type": type_name, "args": list(args), "kwargs": kwargs}


CASES = {
    "basic_lstm_dynamic_sequence_length": dict(cell=lstm(4), input=[3, 5, 2],
                                               sequence_length=[5, 3, 1]),
    "basic_lstm_not_tuple_forget_bias": dict(
        cell=lstm(3, state_is_tuple=False, forget_bias=0.5), input=[2, 4, 3]),
    "lstm_peepholes_clip_projection": dict(
        cell=cell("LSTMCell", 4, use_peepholes=True, cell_clip=0.5, num_proj=3, proj_clip=0.3),
        input=[2, 5, 3]),
    "lstm_plain_not_tuple": dict(cell=cell("LSTMCell", 3, state_is_tuple=False),
                                 input=[2, 4, 2]),
    "gru_time_major": dict(cell=cell("GRUCell", 3), input=[4, 2, 3], time_major=True),
    "basic_rnn_relu": dict(cell=cell("BasicRNNCell", 3, activation="relu"), input=[2, 4, 3]),
    "multi_rnn_lstm_gru": dict(
        cell={"type": "MultiRNNCell", "cells": [lstm(3), cell("GRUCell", 2)]}, input=[2, 4, 3]),
    "multi_rnn_not_tuple": dict(
        cell={"type": "MultiRNNCell", "cells": [cell("BasicRNNCell", 3), cell("BasicRNNCell", 2)],
              "kwargs": {"state_is_tuple": False}}, input=[2, 3, 2]),
    "residual_dropout_keep1_device": dict(
        cell={"type": "ResidualWrapper", "cell": {
            "type": "DropoutWrapper", "kwargs": {"input_keep_prob": 1.0, "output_keep_prob": 1.0},
            "cell": {"type": "DeviceWrapper", "kwargs": {"device": "/cpu:0"}, "cell": lstm(3)}}},
        input=[2, 4, 3]),
    "bidirectional_lstm_gru": dict(cell=cell("LSTMCell", 3), cell_bw=cell("GRUCell", 2),
                                   rnn="bidirectional", input=[3, 4, 2],
                                   sequence_length=[4, 2, 3]),
    "static_rnn_basic_lstm": dict(cell=lstm(3), rnn="static", input=[2, 3, 2],
                                  sequence_length=[3, 2]),
}

ACTIVATIONS = {"relu": tf.nn.relu}


def make_cell(cells, spec):
    """Builds a (possibly wrapped) cell from `spec` with the module `cells`."""
    kwargs = {k: ACTIVATIONS.get(v, v) if k == "activation" else v
              for k, v in spec.get("kwargs", {}).items()}
    cell_class = getattr(cells, spec["type"])
    if "cells" in spec:
        return cell_class([make_cell(cells, s) for s in spec["cells"]], **kwargs)
    if "cell" in spec:
        return cell_class(make_cell(cells, spec["cell"]), **kwargs)
    return cell_class(*spec.get("args", []), **kwargs)


def run_case(cells, case, inputs, sequence_length=None):
    """Runs the case; returns the flat list of outputs and final-state tensors."""
    kind = case.get("rnn", "dynamic")
    if kind == "bidirectional":
        outputs, states = v1.nn.bidirectional_dynamic_rnn(
            make_cell(cells, case["cell"]), make_cell(cells, case["cell_bw"]), inputs,
            sequence_length=sequence_length, dtype=tf.float32)
    elif kind == "static":
        outputs, states = v1.nn.static_rnn(
            make_cell(cells, case["cell"]), tf.unstack(inputs, axis=1),
            sequence_length=sequence_length, dtype=tf.float32)
        outputs = tf.stack(outputs, axis=1)
    else:
        outputs, states = v1.nn.dynamic_rnn(
            make_cell(cells, case["cell"]), inputs, sequence_length=sequence_length,
            dtype=tf.float32, time_major=case.get("time_major", False))
    return tf.nest.flatten((outputs, states))
