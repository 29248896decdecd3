"""tf.contrib (tf1track_core.contrib) against goldens recorded from TF 1.15's contrib code.

Layers: TF-Slim 1.1.0's `tf_slim.layers` (TF 1.15's contrib layers) in TF1 graph
mode; cells: tf-keras's legacy `LSTMCell` (for `LSTMBlockCell`) and a
transcription of TF 1.15's `LayerNormBasicLSTMCell`; initializers under fixed
seeds. Recorded by tests/goldens/record_contrib_goldens.py; here the same
cases run through tf1track inside tracked modules, eager and in tf.function.
"""

import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from golden_layer_checks import check_case, load_golden
from goldens.contrib_layer_cases import CASES, apply_case
from goldens.contrib_rnn_cases import RNN_CASES, run_rnn_case
from goldens.initializer_cases import INITIALIZER_CASES, REGULARIZER_CASES, regularizer_input
from tf1track_core.contrib import layers as contrib_layers
from tf1track_core.contrib import rnn as contrib_rnn

GOLDENS = pathlib.Path(__file__).parent / "goldens"
LAYERS_MANIFEST = json.loads((GOLDENS / "contrib_layers" / "manifest.json").read_text())
RNN_MANIFEST = json.loads((GOLDENS / "contrib_rnn" / "manifest.json").read_text())


def test_every_case_has_a_golden():
    assert sorted(LAYERS_MANIFEST["cases"]) == sorted(CASES)
    assert sorted(RNN_MANIFEST["cases"]) == sorted(RNN_CASES)


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_contrib_layer_matches_tf1(name, use_function):
    check_case(lambda x: apply_case(contrib_layers, CASES[name], x),
               load_golden(GOLDENS / "contrib_layers" / f"{name}.npz"),
               LAYERS_MANIFEST["cases"][name], use_function)


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", sorted(RNN_CASES))
def test_contrib_cell_matches_tf1(name, use_function):
    # LSTMCell (the reference of LSTMBlockCell) creates its peepholes f, i, o;
    # LSTMBlockCell i, f, o as TF 1.15's: the names are the same, the order not.
    check_case(lambda x: run_rnn_case(contrib_rnn, RNN_CASES[name], x),
               load_golden(GOLDENS / "contrib_rnn" / f"{name}.npz"),
               dict(RNN_MANIFEST["cases"][name], **RNN_CASES[name]), use_function, ordered=False)


def test_lstm_block_cell_creates_peepholes_in_tf1_order():
    name = "lstm_block_peephole"
    module = check_case(lambda x: run_rnn_case(contrib_rnn, RNN_CASES[name], x),
                        load_golden(GOLDENS / "contrib_rnn" / f"{name}.npz"),
                        RNN_MANIFEST["cases"][name], False, ordered=False)
    assert list(tf1track_core.tf1_variables(module))[2:] == [
        "rnn/lstm_cell/w_i_diag", "rnn/lstm_cell/w_f_diag", "rnn/lstm_cell/w_o_diag"]


INITIALIZER_GOLDEN = load_golden(GOLDENS / "contrib_layers" / "initializers.npz")


@pytest.mark.parametrize("name", sorted(INITIALIZER_CASES))
def test_seeded_initializers_draw_tf1s_numbers(name):
    fn_name, kwargs, shape = INITIALIZER_CASES[name]
    tf.random.set_seed(7)  # the recorder's graph-level seed
    value = getattr(contrib_layers, fn_name)(**kwargs)(shape)
    np.testing.assert_allclose(value.numpy(), INITIALIZER_GOLDEN[name], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(REGULARIZER_CASES))
def test_regularizers_compute_tf1s_losses(name):
    fn_name, args = REGULARIZER_CASES[name]
    value = getattr(contrib_layers, fn_name)(*args)(tf.constant(regularizer_input()))
    np.testing.assert_allclose(value.numpy(), INITIALIZER_GOLDEN[f"regularizer:{name}"],
                               rtol=1e-6)
