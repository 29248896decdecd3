"""Records seq2seq goldens from an independent TF1 graph-mode reference.

tf.contrib.seq2seq cannot run on TF 2.x, so this is a reference built from TF
core ops and the real legacy cell and dense layer of tf-keras 2.21, in a
`tf.Graph` run by a `tf.compat.v1.Session`. It is a step-by-step transcription
of tf.contrib.seq2seq (r1.15) `attention_wrapper.py`, `basic_decoder.py`,
`helper.py` and `decoder.py`, checked line by line against them:

* memory masked past `memory_sequence_length`; keys = `memory_layer(values)`
  (bias-free Dense built where the mechanism is constructed);
* Luong score `query . keys` (times scalar `attention_g`, init 1, with scale);
  Bahdanau score `sum(v * tanh(keys + query_layer(query)))`, or with
  normalize `sum(g * v / |v| * tanh(keys + query + b))`, g init sqrt(1/units);
* scores past the memory length set to -inf, softmax -> alignments;
  context = alignments @ values; attention = attention_layer(concat(cell
  output, context)) (bias-free) or the context;
* cell input = concat(input, previous attention); output = attention or the
  cell output; then the decoder's output layer; sample = argmax;
* TrainingHelper feeds input t, finished at t + 1 >= length; Greedy feeds the
  embedded argmax, finished at the end token; decoding stops when all are
  finished (the unrolled reference runs every step and is cut afterwards,
  which is the same since finished entries keep computing).

It does not import tf1track. Variables get random values; goldens record
inputs, variable names (creation order) and values, rnn outputs, sample ids,
sequence lengths, final attention and alignment history, and gradients of a
linear loss for the teacher-forced cases.

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_seq2seq_goldens.py
"""

import math
import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from seq2seq_cases import BATCH, CASES, EMBED, MEMORY_DEPTH, MEMORY_TIME, VOCAB  # noqa: E402
from beam_reference import add_coverage_penalty, score_step, select_beams  # noqa: E402
from tf1_session import load_values, random_values, record_all  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "seq2seq"
v1 = tf.compat.v1


def mechanisms_of(case):
    """The case's attention mechanisms: its `mechanisms` list, or the one it describes."""
    return case.get("mechanisms") or [case]


def attention_sizes(case):
    """Each mechanism's attention size (its attention layer's, or the memory depth)."""
    sizes = case["attention_layer_size"]
    sizes = sizes if isinstance(sizes, list) else [sizes]
    return [size or MEMORY_DEPTH for size in sizes]


def reference(case, memory, memory_length, decoder_inputs, decoder_length):
    """The TF1 graph of one case; returns per-step tensors (unrolled).

    Several mechanisms (`mechanisms`) each have their memory layer
    (`memory_layer`, `memory_layer_1`, ... as TF1's layers uniquify) and
    attention layer; the attention is their concatenation. With
    `impute_finished`, entries finished before a step emit zeros and keep
    their state (c, h, attention), while their next input still comes from
    the step's sample, as contrib's dynamic_decode and helpers did.
    """
    units = case["units"]
    values = memory * tf.expand_dims(tf.sequence_mask(memory_length, MEMORY_TIME, tf.float32), -1)
    mechanisms = mechanisms_of(case)
    # contrib builds one `Dense(name="memory_layer")` object per mechanism; TF1 scopes the
    # second and later `memory_layer_1`, ... (the same for the attention layers).
    keys = [v1.layers.dense(values, m["attention_units"], use_bias=False,
                            name="memory_layer" + (f"_{i}" if i else ""))
            for i, m in enumerate(mechanisms)]
    embedding = (v1.get_variable("embedding", [VOCAB, EMBED])
                 if case["helper"] == "greedy" else None)
    steps = case.get("maximum_iterations") or int(max(case["decoder_length"]))
    per_step = {"rnn_output": [], "sample_id": [], "finished": [], "alignments": [],
                "attention": [], "output": []}
    impute = case.get("impute_finished", False)
    with v1.variable_scope("decoder"):
        with v1.variable_scope("attention_wrapper"):
            cell = v1.nn.rnn_cell.BasicLSTMCell(units)
            state = cell.zero_state(BATCH, tf.float32)
            attention = tf.zeros([BATCH, sum(attention_sizes(case))])
        output_layer = v1.layers.Dense(VOCAB, use_bias=False, name="output_projection")
        if case["helper"] == "greedy":
            inputs = tf.nn.embedding_lookup(embedding, tf.fill([BATCH], case["start_token"]))
        else:
            inputs = decoder_inputs[:, 0]
        finished = tf.zeros([BATCH], tf.bool)
        for t in range(steps):
            with v1.variable_scope("attention_wrapper", reuse=v1.AUTO_REUSE):
                cell_output, new_state = cell(tf.concat([inputs, attention], -1), state)
                attentions, all_alignments = [], []
                for i, (m, k) in enumerate(zip(mechanisms, keys)):
                    alignments = score_and_align(m, cell_output, k, memory_length)
                    context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1), values), [1])
                    size = (case["attention_layer_size"][i] if "mechanisms" in case
                            else case["attention_layer_size"])
                    attentions.append(v1.layers.dense(
                        tf.concat([cell_output, context], 1), size, use_bias=False,
                        name="attention_layer" + (f"_{i}" if i else ""), reuse=v1.AUTO_REUSE)
                        if size else context)
                    all_alignments.append(alignments)
                new_attention = tf.concat(attentions, 1)
            output = new_attention if case["output_attention"] else cell_output
            logits = output_layer(output)
            sample = tf.argmax(logits, axis=-1, output_type=tf.int32)
            if impute:  # finished before this step: zeros out, state kept
                keep = finished[:, None]
                new_state = tf.nest.map_structure(lambda new, old: tf.where(keep, old, new),
                                                  new_state, state)
                new_attention = tf.where(keep, attention, new_attention)
                emitted_logits = tf.where(keep, tf.zeros_like(logits), logits)
                emitted_sample = tf.where(finished, tf.zeros_like(sample), sample)
            else:
                emitted_logits, emitted_sample = logits, sample
            state, attention = new_state, new_attention
            if case["helper"] == "greedy":
                step_finished = tf.equal(sample, case["end_token"])
                inputs = tf.nn.embedding_lookup(embedding, sample)
            else:
                step_finished = t + 1 >= decoder_length
                if t + 1 < decoder_inputs.shape[1]:
                    inputs = decoder_inputs[:, t + 1]
            finished = tf.logical_or(finished, step_finished)
            for key, value in (("rnn_output", emitted_logits), ("sample_id", emitted_sample),
                               ("finished", finished), ("alignments", all_alignments),
                               ("attention", attention), ("output", output)):
                per_step[key].append(value)
    return per_step


def end_at_steps(case, values, outputs):
    """Sets the end token's output column so each entry's logit for it is high at its step in
    `end_at_steps` and low before (least squares over those outputs), so greedy decoding
    ends there for every entry (random weights otherwise settle some entry on another
    token for ever). The steps before the end do not depend on that column."""
    kernel = values["decoder/output_projection/kernel"]
    top = max(np.abs(np.asarray(outputs) @ kernel).max(), 1.0)
    rows, targets = [], []
    for b, end in enumerate(case["end_at_steps"]):
        for t in range(end + 1):
            rows.append(outputs[t][b])
            targets.append(3.0 * top if t == end else -3.0 * top)
    kernel[:, case["end_token"]] = np.linalg.lstsq(np.array(rows), np.array(targets),
                                                   rcond=None)[0]


def scale_end_token(case, values):
    """A larger end-token column of the output projection (`eos_scale`), so decodes end early."""
    if case.get("eos_scale"):
        values["decoder/output_projection/kernel"][:, case["end_token"]] *= case["eos_scale"]


def score_and_align(case, query, keys, memory_length):
    if case["mechanism"] == "luong":
        with v1.variable_scope("luong_attention", reuse=v1.AUTO_REUSE):
            score = tf.squeeze(tf.matmul(tf.expand_dims(query, 1), keys, transpose_b=True), [1])
            if case["scale"]:
                score = v1.get_variable("attention_g", shape=(),
                                        initializer=v1.ones_initializer()) * score
    else:
        with v1.variable_scope("bahdanau_attention", reuse=v1.AUTO_REUSE):
            processed = tf.expand_dims(v1.layers.dense(query, case["attention_units"],
                                                       use_bias=False, name="query_layer",
                                                       reuse=v1.AUTO_REUSE), 1)
            n = case["attention_units"]
            v = v1.get_variable("attention_v", [n])
            if case["normalize"]:
                g = v1.get_variable("attention_g", shape=(),
                                    initializer=v1.constant_initializer(math.sqrt(1.0 / n)))
                b = v1.get_variable("attention_b", [n], initializer=v1.zeros_initializer())
                normed_v = g * v * tf.math.rsqrt(tf.reduce_sum(tf.square(v)))
                score = tf.reduce_sum(normed_v * tf.tanh(keys + processed + b), [2])
            else:
                score = tf.reduce_sum(v * tf.tanh(keys + processed), [2])
    mask = tf.sequence_mask(memory_length, tf.shape(keys)[1])
    score = tf.where(mask, score, -np.inf * tf.ones_like(score))
    return tf.nn.softmax(score)


def beam_reference(case, memory, memory_length):
    """tf.contrib.seq2seq (r1.15) BeamSearchDecoder over the attention cell, unrolled.

    Transcribed from beam_search_decoder.py: memory and state tiled per beam
    (tile_batch); at t=0 only beam 0 is live (log-prob 0, others -inf and
    finished); each step: log_softmax of the logits, finished beams forced to
    the end token at zero cost, total = beam log-prob + step log-prob, length
    +1 for every non-end word of a live beam, score = total / ((5+len)/6)^w,
    top-k over beam*vocab per batch entry, parent = index // vocab, word =
    index % vocab, cell state gathered by parent. Returns per-step tensors.
    With a coverage penalty weight w (get_attention_probs / _get_scores): the
    step's alignments of live beams add to an accumulated coverage (starting
    at the zero state's alignments, zeros), and beams finished before the step
    add w * sum_t log(min(coverage_t, 1)) to their scores (coverage 0 counts
    as 1); the coverage is gathered by parent like the state.
    """
    k = case["beam_width"]
    units = case["units"]
    tiled_memory = tf.reshape(tf.tile(tf.expand_dims(memory, 1), [1, k, 1, 1]),
                              [BATCH * k, MEMORY_TIME, MEMORY_DEPTH])
    tiled_length = tf.reshape(tf.tile(tf.expand_dims(memory_length, 1), [1, k]), [BATCH * k])
    values = tiled_memory * tf.expand_dims(
        tf.sequence_mask(tiled_length, MEMORY_TIME, tf.float32), -1)
    keys = v1.layers.dense(values, case["attention_units"], use_bias=False, name="memory_layer")
    embedding = v1.get_variable("embedding", [VOCAB, EMBED])
    per_step = {"scores": [], "predicted_ids": [], "parent_ids": [], "finished": [],
                "lengths": []}
    end = case["end_token"]
    with v1.variable_scope("decoder"):
        with v1.variable_scope("attention_wrapper"):
            cell = v1.nn.rnn_cell.BasicLSTMCell(units)
            c, h = cell.zero_state(BATCH * k, tf.float32)
            attention = tf.zeros([BATCH * k, case["attention_layer_size"]])
        output_layer = v1.layers.Dense(VOCAB, use_bias=False, name="output_projection")
        log_probs = tf.constant([[0.0] + [-np.inf] * (k - 1)] * BATCH)
        finished = tf.constant([[False] + [True] * (k - 1)] * BATCH)
        lengths = tf.zeros([BATCH, k], tf.int64)
        coverage = tf.zeros([BATCH, k, MEMORY_TIME])
        inputs = tf.nn.embedding_lookup(embedding, tf.fill([BATCH * k], case["start_token"]))
        for _ in range(case["maximum_iterations"]):
            with v1.variable_scope("attention_wrapper", reuse=v1.AUTO_REUSE):
                cell_output, (c, h) = cell(tf.concat([inputs, attention], -1), (c, h))
                alignments = score_and_align(case, cell_output, keys, tiled_length)
                context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1), values), [1])
                attention = v1.layers.dense(tf.concat([cell_output, context], 1),
                                            case["attention_layer_size"], use_bias=False,
                                            name="attention_layer", reuse=v1.AUTO_REUSE)
            logits = tf.reshape(output_layer(attention), [BATCH, k, VOCAB])
            scores, total, _ = score_step(logits, log_probs, finished, lengths, end,
                                                    case["length_penalty_weight"])
            coverage_weight = case.get("coverage_penalty_weight", 0.0)
            if coverage_weight:
                scores, coverage = add_coverage_penalty(scores, coverage, alignments, finished,
                                                        coverage_weight)
            top_scores, parents, words, log_probs, finished, lengths, flat_parents = \
                select_beams(scores, total, finished, lengths, end)
            c, h, attention = (tf.gather(x, flat_parents) for x in (c, h, attention))
            coverage = tf.gather(coverage, parents, batch_dims=1)
            inputs = tf.nn.embedding_lookup(embedding, tf.reshape(words, [-1]))
            for key, value in (("scores", top_scores), ("predicted_ids", words),
                               ("parent_ids", parents), ("finished", finished),
                               ("lengths", lengths), ("alignments", alignments)):
                per_step.setdefault(key, []).append(value)
    return per_step


def backtrack(step_ids, parent_ids, max_lengths, end):
    """TF1's GatherTree in NumPy: [time, batch, beam] ids along the parent pointers."""
    steps, batch, beams = step_ids.shape
    out = np.full_like(step_ids, end)
    for b in range(batch):
        for k in range(beams):
            parent = k
            for t in range(max_lengths[b] - 1, -1, -1):
                out[t, b, k] = step_ids[t, b, parent]
                parent = parent_ids[t, b, parent]
            done = False
            for t in range(max_lengths[b]):
                if done:
                    out[t, b, k] = end
                elif out[t, b, k] == end:
                    done = True
    return out


def run_beam(case, memory_value, rng=None, values=None):
    """`(per-step values, variables' op names, values)` of the beam reference in a Session."""
    graph = tf.Graph()
    with graph.as_default():
        per_step = beam_reference(case, tf.constant(memory_value),
                                  tf.constant(case["memory_length"], tf.int32))
        variables = v1.global_variables()
        if values is None:
            values = random_values(variables, rng, scale=0.8)
            scale_end_token(case, values)
        with v1.Session(graph=graph) as session:
            load_values(session, variables, values)
            return session.run(per_step), [v.op.name for v in variables], values


def sort_array_beams(history, parent_ids, lengths, beam_width):
    """contrib's `gather_tree_from_array` in NumPy: per-step `[batch * beam, ...]` values
    reordered along each final beam's path (a beam's own entry past its length)."""
    steps, batch, _ = parent_ids.shape
    beam_ids = np.tile(np.arange(beam_width)[None, None], [steps, batch, 1])
    sorted_ids = backtrack(beam_ids, parent_ids, lengths.max(axis=1), beam_width + 1)
    in_bound = np.arange(steps)[:, None, None] < lengths[None]
    sorted_ids = np.where(in_bound, sorted_ids, beam_ids)
    rows = np.arange(batch)[None, :, None] * beam_width + sorted_ids
    return history[np.arange(steps)[:, None], rows.reshape(steps, -1)]


def _beam_arrays(fetched, case, suffix=""):
    finished = np.stack(fetched["finished"])  # [steps, batch, beam]
    all_done = np.flatnonzero(finished.reshape(len(finished), -1).all(axis=1))
    steps = int(all_done[0]) + 1 if all_done.size else len(finished)
    step_ids = np.stack(fetched["predicted_ids"])[:steps]
    parent_ids = np.stack(fetched["parent_ids"])[:steps]
    final_lengths = fetched["lengths"][steps - 1]
    arrays = {"scores": np.stack(fetched["scores"], 1)[:, :steps],
              "step_ids": np.stack(fetched["predicted_ids"], 1)[:, :steps],
              "parent_ids": np.stack(fetched["parent_ids"], 1)[:, :steps],
              "final_lengths": final_lengths,
              "predicted_ids": np.transpose(backtrack(step_ids, parent_ids,
                                                      final_lengths.max(axis=1),
                                                      case["end_token"]), [1, 0, 2])}
    if case.get("alignment_history"):
        arrays["alignment_history"] = sort_array_beams(
            np.stack(fetched["alignments"])[:steps], parent_ids, final_lengths,
            case["beam_width"])
    return {key + suffix: value for key, value in arrays.items()}, steps


def record_beam(name, case, seed):
    rng = np.random.default_rng(seed)
    memory_value = rng.normal(size=(BATCH, MEMORY_TIME, MEMORY_DEPTH)).astype(np.float32)
    fetched, variables, values = run_beam(case, memory_value, rng=rng)
    arrays, steps = _beam_arrays(fetched, case)
    arrays.update(memory=memory_value, decoder_inputs=np.zeros([BATCH, 1, EMBED], np.float32))
    if case.get("compare_without_coverage"):
        # The same weights without the penalty: the recorded scores must change with it.
        without, _, _ = run_beam({**case, "coverage_penalty_weight": 0.0}, memory_value,
                                 values=values)
        arrays.update(_beam_arrays(without, case, suffix="_without_coverage")[0])
    for v in variables:
        arrays["var:" + v] = values[v]
    np.savez(OUT_DIR / f"{name}.npz", **arrays)
    return {**case, "variables": variables, "trainable": [], "steps": steps}


def cut_at_all_finished(per_step_values):
    """Keeps the steps dynamic_decode would run: through the first all-finished step."""
    finished = np.stack(per_step_values["finished"])  # [steps, batch]
    all_done = np.flatnonzero(finished.all(axis=1))
    steps = int(all_done[0]) + 1 if all_done.size else finished.shape[0]
    lengths = np.where(finished.any(axis=0), finished.argmax(axis=0) + 1, steps)
    return steps, lengths.astype(np.int32)


def record(name, case, seed):
    rng = np.random.default_rng(seed)
    memory_value = rng.normal(size=(BATCH, MEMORY_TIME, MEMORY_DEPTH)).astype(np.float32)
    decoder_value = rng.normal(size=(BATCH, int(max(case["decoder_length"])), EMBED)).astype(
        np.float32)
    graph = tf.Graph()
    with graph.as_default():
        memory = tf.constant(memory_value)
        memory_length = tf.constant(case["memory_length"], tf.int32)
        decoder_inputs = tf.constant(decoder_value)
        decoder_length = tf.constant(case["decoder_length"], tf.int32)
        per_step = reference(case, memory, memory_length, decoder_inputs, decoder_length)
        variables = v1.global_variables()
        trainable = v1.trainable_variables()
        logits = tf.stack(per_step["rnn_output"], 1)
        loss_weights = rng.normal(size=logits.shape.as_list()).astype(np.float32)
        grads = tf.gradients(tf.reduce_sum(logits * loss_weights), trainable)
        values = random_values(variables, rng, scale=0.5)
        scale_end_token(case, values)
        with v1.Session(graph=graph) as session:
            load_values(session, variables, values)
            fetched, grad_values = session.run([per_step, grads])
            if case.get("end_at_steps"):
                end_at_steps(case, values, fetched["output"])
                load_values(session, variables, values)
                fetched, grad_values = session.run([per_step, grads])
    steps, lengths = cut_at_all_finished(fetched)
    alignments = [np.stack([a[i] for a in fetched["alignments"]])[:steps]
                  for i in range(len(mechanisms_of(case)))]
    arrays = {
        "memory": memory_value, "decoder_inputs": decoder_value,
        "rnn_output": np.stack(fetched["rnn_output"], 1)[:, :steps],
        "sample_id": np.stack(fetched["sample_id"], 1)[:, :steps],
        "sequence_lengths": lengths,
        # The attention of the last step dynamic_decode runs.
        "final_attention": fetched["attention"][steps - 1],
    }
    for i, history in enumerate(alignments):
        arrays["alignment_history" + (f"_{i}" if i else "")] = history
    if case["helper"] == "training":
        arrays["loss_weights"] = loss_weights
        for v, g in zip(trainable, grad_values):
            arrays["grad:" + v.op.name] = np.asarray(g)
    for v in variables:
        arrays["var:" + v.op.name] = values[v.op.name]
    np.savez(OUT_DIR / f"{name}.npz", **arrays)
    return {**case, "variables": [v.op.name for v in variables],
            "trainable": [v.op.name for v in trainable], "steps": steps}


def main():
    record_all(OUT_DIR, "TF1 graph-mode reference of tf.contrib.seq2seq from TF core ops and "
               "tf-keras legacy cells (tests/goldens/record_seq2seq_goldens.py)", CASES,
               lambda name, case, seed: (record_beam if case["helper"] == "beam" else record)(
                   name, case, seed))


if __name__ == "__main__":
    main()
