"""tf1track_core.seq2seq against goldens from an independent TF1 graph-mode reference.

tf.contrib.seq2seq no longer runs, so tests/goldens/record_seq2seq_goldens.py
transcribes its equations with TF core ops and the real legacy cells of
tf-keras in a TF1 Session (see its docstring). The port runs the same cases in
a tracked module: variable names in creation order, rnn outputs, sample ids,
sequence lengths, alignment history and gradients must match, eager and in
tf.function; beam search ids, parents, scores and backtracked predictions too.
"""

import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from goldens.seq2seq_cases import BATCH, EMBED, VOCAB
from tf1track_core import layers, rnn_cell, seq2seq
from tracked_runner import Runner

v1 = tf.compat.v1
GOLDENS = pathlib.Path(__file__).parent / "goldens" / "seq2seq"
MANIFEST = json.loads((GOLDENS / "manifest.json").read_text())
TOLERANCE = dict(rtol=1e-5, atol=1e-5)


def attention_mechanism(case, memory, memory_length):
    """The case's Luong or Bahdanau mechanism over `memory` (a list for `mechanisms`)."""
    if "mechanisms" in case:
        return [attention_mechanism(m, memory, memory_length) for m in case["mechanisms"]]
    if case["mechanism"] == "luong":
        return seq2seq.LuongAttention(case["attention_units"], memory,
                                      memory_sequence_length=memory_length, scale=case["scale"])
    return seq2seq.BahdanauAttention(case["attention_units"], memory,
                                     memory_sequence_length=memory_length,
                                     normalize=case["normalize"])


def port(case, memory, decoder_inputs, output_time_major=False):
    """The case with tf1track's seq2seq, as TF1 user code would write it (batch-major results)."""
    mechanism = attention_mechanism(case, memory,
                                    tf.constant(case["memory_length"], tf.int32))
    cell = seq2seq.AttentionWrapper(rnn_cell.BasicLSTMCell(case["units"]), mechanism,
                                    attention_layer_size=case["attention_layer_size"],
                                    alignment_history=True,
                                    output_attention=case["output_attention"])
    if case["helper"] == "greedy":
        embedding = v1.get_variable("embedding", [VOCAB, EMBED])
        helper = seq2seq.GreedyEmbeddingHelper(embedding, tf.fill([BATCH], case["start_token"]),
                                               case["end_token"])
    else:
        helper = seq2seq.TrainingHelper(decoder_inputs,
                                        tf.constant(case["decoder_length"], tf.int32))
    decoder = seq2seq.BasicDecoder(cell, helper, cell.zero_state(BATCH, tf.float32),
                                   output_layer=layers.Dense(VOCAB, use_bias=False,
                                                             name="output_projection"))
    outputs, state, lengths = seq2seq.dynamic_decode(
        decoder, maximum_iterations=case.get("maximum_iterations"),
        impute_finished=case.get("impute_finished", False), output_time_major=output_time_major)
    if output_time_major:
        outputs = tf.nest.map_structure(lambda x: tf.transpose(
            x, [1, 0] + list(range(2, x.shape.rank))), outputs)
    histories = state.alignment_history
    histories = histories if isinstance(histories, tuple) else (histories,)
    result = {"rnn_output": outputs.rnn_output, "sample_id": outputs.sample_id,
              "sequence_lengths": lengths, "final_attention": state.attention}
    for i, history in enumerate(histories):
        result["alignment_history" + (f"_{i}" if i else "")] = history.stack()
    return result


@pytest.mark.parametrize("use_function, output_time_major",
                         [(False, False), (True, False), (True, True)],
                         ids=["eager", "tf_function", "tf_function_time_major"])
@pytest.mark.parametrize("name", sorted(n for n, c in MANIFEST["cases"].items()
                                        if c["helper"] != "beam"))
def test_seq2seq_matches_tf1_reference(name, use_function, output_time_major):
    case = MANIFEST["cases"][name]
    with np.load(GOLDENS / f"{name}.npz", allow_pickle=False) as data:
        golden = {key: data[key] for key in data.files}
    module = Runner(lambda memory, inputs: port(case, memory, inputs, output_time_major))
    memory, inputs = tf.constant(golden["memory"]), tf.constant(golden["decoder_inputs"])
    module(memory, inputs)
    variables = tf1track_core.tf1_variables(module)
    assert list(variables) == case["variables"]
    for var_name, variable in variables.items():
        variable.assign(golden["var:" + var_name])
    trainable = [variables[n] for n in case["trainable"]]

    def step(memory, inputs):
        with tf.GradientTape() as tape:
            result = module(memory, inputs)
            loss = (tf.reduce_sum(result["rnn_output"] * golden["loss_weights"])
                    if "loss_weights" in golden else tf.constant(0.0))
        return result, tape.gradient(loss, trainable)

    result, grads = (tf.function(step) if use_function else step)(memory, inputs)
    for key in ("rnn_output", "sample_id", "sequence_lengths", "alignment_history",
                "alignment_history_1", "final_attention"):
        if key in golden:
            np.testing.assert_allclose(result[key].numpy(), golden[key], **TOLERANCE,
                                       err_msg=key)
    if "loss_weights" in golden:
        for var_name, grad in zip(case["trainable"], grads):
            np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(),
                                       golden["grad:" + var_name], **TOLERANCE,
                                       err_msg=f"gradient of {var_name}")


def test_luong_score_masking_and_alignments_by_hand():
    memory = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]], np.float32)  # [1, 3, 2]
    query = np.array([[2.0, 1.0]], np.float32)
    module = Runner(lambda: seq2seq.LuongAttention(2, memory, memory_sequence_length=[2])(
        tf.constant(query), None)[0])
    module()
    kernel = tf1track_core.tf1_variables(module)["memory_layer/kernel"]
    kernel.assign(tf.eye(2))
    alignments = module().numpy()  # keys are recomputed from the new kernel in a new call
    scores = (memory[0] @ np.eye(2) @ query[0])[:2]  # the third position is masked
    expected = np.append(np.exp(scores) / np.exp(scores).sum(), 0.0)
    np.testing.assert_allclose(alignments, [expected], rtol=1e-6)


def test_bad_input_is_named():
    memory = tf.zeros([1, 3, 2])
    with pytest.raises(ValueError, match="Perhaps you need to set num_units"):
        Runner(lambda: seq2seq.LuongAttention(4, memory)(tf.zeros([1, 3]), None))()
    with pytest.raises(TypeError, match="Expected state to be instance of AttentionWrapperState"):
        def bad_state():
            mechanism = seq2seq.LuongAttention(2, memory)
            cell = seq2seq.AttentionWrapper(rnn_cell.BasicLSTMCell(2), mechanism)
            return cell(tf.zeros([1, 2]), cell.zero_state(1, tf.float32).cell_state)
        Runner(bad_state)()
    with pytest.raises(ValueError, match="attention_layer_size must contain exactly one"):
        Runner(lambda: seq2seq.AttentionWrapper(rnn_cell.BasicLSTMCell(2),
                                                seq2seq.LuongAttention(2, memory),
                                                attention_layer_size=[2, 3]))()


def beam_port(case, memory, coverage_penalty_weight=None):
    """A beam-search case with tf1track's seq2seq, as TF1 (nmt-style) code would write it."""
    if coverage_penalty_weight is None:
        coverage_penalty_weight = case.get("coverage_penalty_weight", 0.0)
    k = case["beam_width"]
    tiled_memory = seq2seq.tile_batch(memory, k)
    tiled_length = seq2seq.tile_batch(tf.constant(case["memory_length"], tf.int32), k)
    mechanism = attention_mechanism(case, tiled_memory, tiled_length)
    cell = seq2seq.AttentionWrapper(rnn_cell.BasicLSTMCell(case["units"]), mechanism,
                                    attention_layer_size=case["attention_layer_size"],
                                    alignment_history=case.get("alignment_history", False))
    embedding = v1.get_variable("embedding", [VOCAB, EMBED])
    decoder = seq2seq.BeamSearchDecoder(
        cell, embedding, tf.fill([BATCH], case["start_token"]), case["end_token"],
        cell.zero_state(BATCH * k, tf.float32), k,
        output_layer=layers.Dense(VOCAB, use_bias=False, name="output_projection"),
        length_penalty_weight=case["length_penalty_weight"],
        coverage_penalty_weight=coverage_penalty_weight)
    outputs, state, _ = seq2seq.dynamic_decode(decoder,
                                               maximum_iterations=case["maximum_iterations"])
    raw = outputs.beam_search_decoder_output
    result = {"predicted_ids": outputs.predicted_ids, "scores": raw.scores,
              "step_ids": raw.predicted_ids, "parent_ids": raw.parent_ids,
              "final_lengths": state.lengths}
    if case.get("alignment_history"):
        # finalize sorted the history along the beams' paths: a [time, batch * beam, memory]
        # tensor, as TF1's reorder_tensor_arrays left it.
        result["alignment_history"] = state.cell_state.alignment_history
    return result


BEAM_CASES = sorted(n for n, c in MANIFEST["cases"].items() if c["helper"] == "beam")


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", BEAM_CASES)
def test_beam_search_matches_tf1_reference(name, use_function):
    case = MANIFEST["cases"][name]
    with np.load(GOLDENS / f"{name}.npz", allow_pickle=False) as data:
        golden = {key: data[key] for key in data.files}
    module = Runner(lambda memory: beam_port(case, memory))
    memory = tf.constant(golden["memory"])
    module(memory)
    variables = tf1track_core.tf1_variables(module)
    assert list(variables) == case["variables"]
    for var_name, variable in variables.items():
        variable.assign(golden["var:" + var_name])
    result = (tf.function(module) if use_function else module)(memory)
    for key in ("step_ids", "parent_ids", "predicted_ids", "final_lengths"):
        np.testing.assert_array_equal(result[key].numpy(), golden[key], err_msg=key)
    np.testing.assert_allclose(result["scores"].numpy(), golden["scores"], **TOLERANCE)
    if "alignment_history" in golden:
        np.testing.assert_allclose(result["alignment_history"].numpy(),
                                   golden["alignment_history"], **TOLERANCE)
    if "scores_without_coverage" in golden:
        # The same weights without the penalty decode as the reference did without it.
        without = Runner(lambda memory: beam_port(case, memory, coverage_penalty_weight=0.0))
        without(memory)
        for var_name, variable in tf1track_core.tf1_variables(without).items():
            variable.assign(golden["var:" + var_name])
        result = without(memory)
        for key in ("step_ids", "parent_ids", "predicted_ids", "final_lengths"):
            np.testing.assert_array_equal(result[key].numpy(), golden[key + "_without_coverage"],
                                          err_msg=key)
        np.testing.assert_allclose(result["scores"].numpy(), golden["scores_without_coverage"],
                                   **TOLERANCE)


def test_the_decoder_goldens_exercise_what_they_claim():
    """Finished beams are kept, the coverage penalty changes the search, entries stop apart."""
    def golden(name):
        with np.load(GOLDENS / f"{name}.npz", allow_pickle=False) as data:
            return {key: data[key] for key in data.files}

    cases = MANIFEST["cases"]
    for name in BEAM_CASES:
        lengths = golden(name)["final_lengths"]
        assert (lengths < cases[name]["steps"]).any(), name  # some beam finished early
    coverage = golden("beam_search_luong_coverage_penalty")
    assert coverage["scores"].shape != coverage["scores_without_coverage"].shape or not \
        np.allclose(coverage["scores"], coverage["scores_without_coverage"])
    impute = golden("luong_greedy_impute_finished")
    lengths = impute["sequence_lengths"]
    # Every entry reached the end token: decoding stopped before maximum_iterations.
    assert impute["sample_id"].shape[1] < cases["luong_greedy_impute_finished"][
        "maximum_iterations"]
    assert lengths.min() < impute["sample_id"].shape[1]  # an entry finished, then imputed
    assert (impute["rnn_output"][lengths.argmin(), lengths.min():] == 0).all()
    assert "alignment_history_1" in golden("two_mechanisms_training")
    assert "alignment_history" in golden("beam_search_bahdanau_length_penalty")


def test_length_penalty_and_gather_tree_by_hand():
    from tf1track_core.seq2seq.beam_search import length_penalty
    np.testing.assert_allclose(length_penalty(tf.constant([1, 4]), 0.6).numpy(),
                               [(6 / 6) ** 0.6, (9 / 6) ** 0.6], rtol=1e-6)
    assert length_penalty(tf.constant([3]), 0.0) == 1.0
    step_ids = tf.constant([[[2, 2]], [[3, 1]], [[4, 5]]])  # [time, batch 1, beam 2]
    parent_ids = tf.constant([[[0, 0]], [[1, 0]], [[0, 1]]])
    tree = seq2seq.gather_tree(step_ids, parent_ids, [3], end_token=1).numpy()
    # beam 0: 4 <- parent 0 at t2, whose t1 word 3 <- parent 1 at t1, t0 word of beam 1: 2
    # beam 1: 5 <- parent 1: t1 word 1 (end) <- parent 0: t0 word 2; after the end: end.
    assert tree[:, 0, 0].tolist() == [2, 3, 4]
    assert tree[:, 0, 1].tolist() == [2, 1, 1]
    np.testing.assert_array_equal(
        seq2seq.tile_batch(tf.constant([[1, 2], [3, 4]]), 2).numpy(),
        [[1, 2], [1, 2], [3, 4], [3, 4]])


def test_tile_batch_keeps_nested_states_and_repeats_rows_consecutively():
    state = tf1track_core.rnn_cell.LSTMStateTuple(tf.constant([[1.0], [2.0]]),
                                                  tf.constant([[3.0], [4.0]]))
    tiled = seq2seq.tile_batch({"lstm": state, "lengths": tf.constant([5, 7])}, 2)
    assert isinstance(tiled["lstm"], tf1track_core.rnn_cell.LSTMStateTuple)
    np.testing.assert_array_equal(tiled["lstm"].c.numpy(), [[1.0], [1.0], [2.0], [2.0]])
    np.testing.assert_array_equal(tiled["lstm"].h.numpy(), [[3.0], [3.0], [4.0], [4.0]])
    np.testing.assert_array_equal(tiled["lengths"].numpy(), [5, 5, 7, 7])
