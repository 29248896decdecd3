"""tf1track_core.rnn_cell against goldens recorded from the real TF1 cells.

The goldens (tests/goldens/rnn_cell/, recorded by
tests/goldens/record_rnn_cell_goldens.py from tf-keras's legacy
`tf.compat.v1.nn.rnn_cell` with TF core's dynamic_rnn & co. in TF1 graph mode)
hold per case the variable names and values, outputs and final states, and
the gradients of a fixed linear loss. The same case runs here with tf1track's
cells in a tracked module, eager and in `tf.function`.
"""

import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from goldens.rnn_cases import run_case
from tf1track_core import rnn_cell
from tracked_runner import Runner

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "rnn_cell"
MANIFEST = json.loads((GOLDENS / "manifest.json").read_text())
TOLERANCE = dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", sorted(MANIFEST["cases"]))
def test_cell_matches_tf1(name, use_function):
    case = MANIFEST["cases"][name]
    with np.load(GOLDENS / f"{name}.npz", allow_pickle=False) as data:
        golden = {key: data[key] for key in data.files}
    lengths = case.get("sequence_length")
    lengths = tf.constant(lengths, tf.int32) if lengths else None
    module = Runner(lambda x: run_case(rnn_cell, case, x, lengths))
    x = tf.constant(golden["input"])
    module(x)
    variables = tf1track_core.tf1_variables(module)
    assert list(variables) == case["variables"]
    assert [n for n, v in variables.items() if v.trainable] == case["trainable"]
    for var_name, variable in variables.items():
        variable.assign(golden["var:" + var_name])
    trainable = [variables[n] for n in case["trainable"]]

    def step(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            flat = module(inputs)
            loss = tf.add_n([tf.reduce_sum(t * golden[f"loss_weights:{i}"])
                             for i, t in enumerate(flat)])
        return flat, tape.gradient(loss, trainable + [inputs])

    flat, grads = (tf.function(step) if use_function else step)(x)
    assert len(flat) == case["outputs"]
    for i, value in enumerate(flat):
        np.testing.assert_allclose(value.numpy(), golden[f"out:{i}"], **TOLERANCE,
                                   err_msg=f"output {i}")
    for var_name, grad in zip(case["trainable"], grads[:-1]):
        np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), golden["grad:" + var_name],
                                   **TOLERANCE, err_msg=f"gradient of {var_name}")
    np.testing.assert_allclose(grads[-1].numpy(), golden["grad_input"], **TOLERANCE)


def test_dropout_wrapper_drops_scales_and_is_seeded():
    x = tf.ones([64, 3, 50])

    def run(seed):
        cell = rnn_cell.DropoutWrapper(rnn_cell.BasicRNNCell(50, activation=tf.identity),
                                       input_keep_prob=0.5, seed=seed)
        return Runner(lambda inputs: tf.compat.v1.nn.dynamic_rnn(
            cell, inputs, dtype=tf.float32)[0])

    module = run(seed=3)
    module(x)
    kernel = tf1track_core.tf1_variables(module)["rnn/basic_rnn_cell/kernel"]
    # An identity kernel on the input part and zero on the state part exposes the
    # dropped inputs directly as outputs.
    kernel.assign(tf.concat([tf.eye(50), tf.zeros([50, 50])], 0))
    out = module(x).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.5) < 0.03
    np.testing.assert_allclose(out[kept], 2.0, rtol=1e-6)  # 1 / keep_prob
    with pytest.raises(ValueError, match="input_keep_prob must be between 0 and 1"):
        rnn_cell.DropoutWrapper(rnn_cell.BasicRNNCell(2), input_keep_prob=1.5)


def zero_fractions_of_dropped_lstm_states(**wrapper_kwargs):
    """One step of DropoutWrapper(MultiRNNCell of 2 LSTMs, state_keep_prob=0.5): the
    fraction of exact zeros in each layer's (c, h)."""
    cell = rnn_cell.DropoutWrapper(
        rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(50), rnn_cell.LSTMCell(50)]),
        state_keep_prob=0.5, seed=2, **wrapper_kwargs)
    module = Runner(lambda x: cell(x, cell.zero_state(256, tf.float32))[1])
    state = module(tf.random.normal([256, 8], seed=1))
    return [((s.c.numpy() == 0).mean(), (s.h.numpy() == 0).mean()) for s in state]


def test_dropout_state_filter_keeps_every_lstm_memory_by_default():
    for c_zeros, h_zeros in zero_fractions_of_dropped_lstm_states():
        assert c_zeros == 0 and abs(h_zeros - 0.5) < 0.05


def test_dropout_state_filter_visitor_chooses_what_to_drop():
    def memory_only(substate):
        if isinstance(substate, rnn_cell.LSTMStateTuple):
            return rnn_cell.LSTMStateTuple(c=True, h=False)
        return True

    for c_zeros, h_zeros in zero_fractions_of_dropped_lstm_states(
            dropout_state_filter_visitor=memory_only):
        assert abs(c_zeros - 0.5) < 0.05 and h_zeros == 0
    assert zero_fractions_of_dropped_lstm_states(
        dropout_state_filter_visitor=lambda substate: False) == [(0, 0), (0, 0)]
    with pytest.raises(TypeError, match="dropout_state_filter_visitor must be callable"):
        rnn_cell.DropoutWrapper(rnn_cell.BasicRNNCell(2), dropout_state_filter_visitor=3)


def test_variational_dropout_uses_one_mask_per_sequence():
    cell = rnn_cell.DropoutWrapper(rnn_cell.BasicRNNCell(40, activation=tf.identity),
                                   output_keep_prob=0.5, variational_recurrent=True,
                                   dtype=tf.float32, seed=1)
    module = Runner(lambda inputs: tf.compat.v1.nn.dynamic_rnn(cell, inputs,
                                                               dtype=tf.float32)[0])
    out = module(tf.ones([2, 5, 40])).numpy()
    zero_pattern = out == 0
    assert zero_pattern.any() and not zero_pattern.all()
    assert (zero_pattern == zero_pattern[:, :1, :]).all()  # the same mask at every step


def test_wrong_input_depth_on_a_later_call_names_the_variable():
    module = Runner(lambda x: tf.compat.v1.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(3), x,
                                                          dtype=tf.float32)[0])
    module(tf.ones([1, 2, 4]))
    with pytest.raises(ValueError, match=r"share variable rnn/basic_lstm_cell/kernel, but "
                                         r"specified shape \(9, 12\) and found shape \(7, 12\)"):
        module(tf.ones([1, 2, 6]))
    with pytest.raises(ValueError, match="Must specify at least one cell"):
        rnn_cell.MultiRNNCell([])
    with pytest.raises(TypeError, match="must be an RNN cell"):
        rnn_cell.ResidualWrapper(object())
