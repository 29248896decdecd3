"""contrib.seq2seq's sampling helpers and `sequence_loss` against TF1 goldens.

The goldens (tests/goldens/record_seq2seq_extras_goldens.py) come from a TF1
graph-mode transcription of TF 1.15's helper.py and loss.py, the helpers
driven inside one while_loop under a graph-level seed. Here tf1track's
helpers drive `BasicDecoder` + `dynamic_decode` over a `BasicRNNCell` with the
same weights and seeds.
"""

import pathlib

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from goldens.seq2seq_extras_cases import (BATCH, EMBED, GRAPH_SEED, LOSS_CASES, SAMPLING_CASES,
                                          TIME, UNITS, VOCAB, custom_loss, loss_arrays,
                                          sampling_arrays)
from tf1track_core import layers, rnn_cell, seq2seq

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "seq2seq_extras"


def _golden(name):
    with np.load(GOLDENS / name, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


class SamplingDecoder(tf.Module):
    """Decodes a golden case with tf1track's helper, cell and decoder."""

    def __init__(self, case, arrays):
        super().__init__()
        self.case, self.arrays = case, arrays

    @tf1track_core.track_tf1_style_variables
    def __call__(self):
        case, arrays = self.case, self.arrays
        embedding = tf.constant(arrays["embedding"])
        if case["helper"] == "sample":
            helper = seq2seq.SampleEmbeddingHelper(
                embedding, arrays["start_tokens"], -1,
                softmax_temperature=case["softmax_temperature"], seed=case["seed"])
        else:
            helper = seq2seq.ScheduledEmbeddingTrainingHelper(
                arrays["inputs"], case["sequence_length"], embedding,
                case["sampling_probability"], seed=case["seed"],
                scheduling_seed=case["scheduling_seed"])
        cell = rnn_cell.BasicRNNCell(UNITS)
        decoder = seq2seq.BasicDecoder(cell, helper, cell.zero_state(BATCH, tf.float32),
                                       output_layer=layers.Dense(VOCAB, use_bias=False))
        outputs, _, _ = seq2seq.dynamic_decode(decoder, maximum_iterations=TIME)
        return outputs


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("seed,name", list(enumerate(sorted(SAMPLING_CASES))))
def test_sampling_helpers_draw_tf1s_samples(seed, name, use_function):
    arrays = sampling_arrays(seed)
    decoder = SamplingDecoder(SAMPLING_CASES[name], arrays)
    decoder()  # creates the variables
    kernel, bias, projection = tf1track_core.tf1_variables(decoder).values()
    kernel.assign(arrays["kernel"])
    bias.assign(arrays["bias"])
    projection.assign(arrays["projection"])
    tf.random.set_seed(GRAPH_SEED)
    outputs = (tf.function(decoder) if use_function else decoder)()
    golden = _golden(f"{name}.npz")
    np.testing.assert_array_equal(outputs.sample_id.numpy(), golden["sample_id"])
    np.testing.assert_allclose(outputs.rnn_output.numpy(), golden["rnn_output"], rtol=1e-5,
                               atol=1e-5)


LOSSES = _golden("sequence_loss.npz")


@pytest.mark.parametrize("seed,name", list(enumerate(sorted(LOSS_CASES))))
def test_sequence_loss_reduces_as_tf1(seed, name):
    arrays = loss_arrays(seed)
    case = dict(LOSS_CASES[name])
    loss_fn = custom_loss if case.pop("custom_loss", False) else None
    loss = seq2seq.sequence_loss(*(tf.constant(arrays[k]) for k in ("logits", "targets", "weights")),
                                 softmax_loss_function=loss_fn, **case)
    np.testing.assert_allclose(loss.numpy(), LOSSES[name], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("flags", [dict(sum_over_timesteps=True),
                                   dict(average_across_timesteps=False, sum_over_batch=True)])
def test_sequence_loss_refuses_averaging_and_summing_one_axis(flags):
    arrays = loss_arrays(0)
    with pytest.raises(ValueError, match="cannot be set to True at same time"):
        seq2seq.sequence_loss(*(tf.constant(arrays[k]) for k in ("logits", "targets", "weights")),
                              **flags)


def test_scheduled_sampling_with_a_vector_probability_is_refused_at_once():
    arrays = sampling_arrays(0)
    with pytest.raises(ValueError, match="sampling_probability must be a scalar"):
        seq2seq.ScheduledEmbeddingTrainingHelper(arrays["inputs"], [4, 4, 4],
                                                 arrays["embedding"], [0.5, 0.5, 0.5])
