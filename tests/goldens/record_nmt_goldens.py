"""Records nmt goldens from an independent TF1 graph-mode reference of tensorflow/nmt.

tensorflow/nmt stands on tf.contrib.seq2seq, which cannot run on TF 2.x, so
this reference is written from nmt's `model.py`, `attention_model.py`,
`gnmt_model.py` and `model_helper.py` and contrib (r1.15)
`attention_wrapper.py`, `beam_search_decoder.py` and `decoder.py`, with TF
core ops: the encoders are TF core's `dynamic_rnn` /
`bidirectional_dynamic_rnn` over tf-keras 2.21's legacy TF1 cells
(`BasicLSTMCell`, `GRUCell`, `MultiRNNCell`, `ResidualWrapper`); the
decoder is unrolled step by step in Python:

* embeddings `embeddings/encoder/embedding_encoder`, `.../decoder/...` or
  `embeddings/embedding_share`; the model under `dynamic_seq2seq/`;
* memory = encoder outputs (batch-major), masked past the source length;
  keys = `decoder/memory_layer` (bias-free); Luong score `query . keys`
  (times `attention_g` when scaled), Bahdanau `sum(v * tanh(keys +
  query_layer(query)))` (normalized: `g * v / |v|` and bias `attention_b`);
  scores past the source length -inf, softmax;
* standard: `decoder/attention/<cell>` reads `concat(input, previous
  attention)`; attention = `attention_layer(concat(cell output, context))`
  (bias-free, num_units); the step's output is the attention, or the cell
  output without `output_attention`; the initial cell state is the encoder
  state with `pass_hidden_state`, else zeros;
* gnmt/gnmt_v2: `decoder/multi_rnn_cell/cell_0_attention/attention/<cell>`
  with the context as attention (no attention layer); each upper
  `cell_<i>` reads `concat(output below, attention)` (gnmt: the previous
  step's attention, gnmt_v2: this step's), residual ones add the first
  num_units input features; the encoder state goes to the layers one to one;
* no attention: the decoder stack starts from the encoder state;
* logits = `decoder/output_projection` (bias-free); teacher forcing feeds
  `target_input`; greedy feeds the argmax from `<s>` (id 1) and finishes at
  `</s>` (id 2); beam search as contrib's BeamSearchDecoder (state, memory
  and lengths tiled per beam; beam 0 live at first; finished beams forced to
  `</s>` at no cost; scores = log-prob / ((5+len)/6)^w plus, for finished
  beams, w_c * sum log(min(coverage, 1)) with coverage 0 counting as 1;
  top-k over beam*vocab; states gathered by parent; gather_tree);
* inference runs round(2 * max source length) steps; decoding stops at the
  first step where every entry (beam) is finished.

It does not import tf1track. Variables get seeded random values; each golden
directory (the DESIGN format) holds the TF1 checkpoint, the teacher-forced
logits, and `decode.npz`: greedy and beam outputs and the gradients of
sum(w * logits) for every variable.

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_nmt_goldens.py
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from checkpoints_tools.goldens import record_tf1_golden  # noqa: E402
from nmt_cases import BATCH, CASES, EOS_ID, SOS_ID, SOURCE_TIME, TARGET_TIME  # noqa: E402
from beam_reference import add_coverage_penalty, score_step, select_beams  # noqa: E402
from record_seq2seq_goldens import backtrack, score_and_align  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "nmt"
v1 = tf.compat.v1
rnn_cell = v1.nn.rnn_cell


def hparams(config):
    """The derived nmt hparams the reference needs (as nmt's extend_hparams)."""
    hp = dict(unit_type="lstm", forget_bias=1.0, residual=False, time_major=True,
              output_attention=True, pass_hidden_state=True, attention_architecture="standard",
              share_vocab=False, length_penalty_weight=0.0, coverage_penalty_weight=0.0,
              encoder_type="uni", attention="")
    hp.update(config)
    layers = hp["num_layers"]
    enc_res = dec_res = 0
    if hp["residual"] and layers > 1:
        enc_res = dec_res = layers - 1
        if hp["encoder_type"] == "gnmt":
            enc_res = dec_res = layers - 2
    hp.update(enc_res=enc_res, dec_res=dec_res)
    return hp


def gnmt_residual(inputs, outputs):
    return inputs[:, :outputs.shape[-1]] + outputs


def make_cells(hp, count, residual_count, residual_fn=None):
    cells = []
    for i in range(count):
        if hp["unit_type"] == "lstm":
            cell = rnn_cell.BasicLSTMCell(hp["num_units"], forget_bias=hp["forget_bias"])
        elif hp["unit_type"] == "layer_norm_lstm":  # contrib's, transcribed for the recorders
            from contrib_rnn_reference import LayerNormBasicLSTMCell
            cell = LayerNormBasicLSTMCell(hp["num_units"], forget_bias=hp["forget_bias"],
                                          layer_norm=True)
        else:
            cell = rnn_cell.GRUCell(hp["num_units"])
        if i >= count - residual_count:
            cell = rnn_cell.ResidualWrapper(cell, residual_fn=residual_fn)
        cells.append(cell)
    return cells


def stack(cells):
    return cells[0] if len(cells) == 1 else rnn_cell.MultiRNNCell(cells)


def encoder(hp, source, source_lengths, embedding):
    """Batch-major encoder outputs and the encoder state (a tuple per decoder layer)."""
    time_major = hp["time_major"]
    with v1.variable_scope("encoder"):
        ids = tf.transpose(source) if time_major else source
        inputs = v1.nn.embedding_lookup(embedding, ids)
        kind, layers = hp["encoder_type"], hp["num_layers"]
        if kind == "uni":
            outputs, state = v1.nn.dynamic_rnn(
                stack(make_cells(hp, layers, hp["enc_res"])), inputs, dtype=tf.float32,
                sequence_length=source_lengths, time_major=time_major)
        else:
            bi_layers = layers // 2 if kind == "bi" else 1
            bi_res = hp["enc_res"] // 2 if kind == "bi" else 0
            (fw, bw), (fw_state, bw_state) = v1.nn.bidirectional_dynamic_rnn(
                stack(make_cells(hp, bi_layers, bi_res)), stack(make_cells(hp, bi_layers, bi_res)),
                inputs, dtype=tf.float32, sequence_length=source_lengths, time_major=time_major)
            outputs = tf.concat([fw, bw], -1)
            if kind == "bi":
                state = ((fw_state, bw_state) if bi_layers == 1 else
                         tuple(s for i in range(bi_layers) for s in (fw_state[i], bw_state[i])))
            else:
                uni_layers = layers - 1
                outputs, uni_state = v1.nn.dynamic_rnn(
                    stack(make_cells(hp, uni_layers, hp["enc_res"])), outputs, dtype=tf.float32,
                    sequence_length=source_lengths, time_major=time_major)
                state = (bw_state,) + ((uni_state,) if uni_layers == 1 else tuple(uni_state))
    if time_major:
        outputs = tf.transpose(outputs, [1, 0, 2])
    if not isinstance(state, tuple) or hasattr(state, "c"):
        state = (state,)  # one layer: a bare cell state
    return outputs, state


def tile(x, k):
    """contrib's tile_batch: each entry repeated k times, consecutively."""
    return tf.nest.map_structure(
        lambda t: tf.reshape(tf.tile(tf.expand_dims(t, 1), [1, k] + [1] * (t.shape.rank - 1)),
                             [-1] + t.shape.as_list()[1:]), x)


def alignments_for(hp, query, keys, lengths):
    """One attention mechanism's alignments, in its scope (the seq2seq reference's scoring)."""
    option = hp["attention"]
    mechanism = dict(mechanism="luong" if "luong" in option else "bahdanau",
                     scale=option == "scaled_luong", normalize=option == "normed_bahdanau",
                     attention_units=hp["num_units"])
    return score_and_align(mechanism, query, keys, lengths)


class DecoderCell:
    """The decoder's step `(input, state) -> (output, state, alignments)` for one hparams.

    `cells` are the decoder's legacy cells, made once and shared by the
    teacher-forced, greedy and (tiled) beam-search decoders of one graph.
    """

    def __init__(self, hp, cells, memory, lengths, encoder_state, batch):
        self.hp, self.lengths, self.cells = hp, lengths, cells
        n = hp["num_units"]
        bare = encoder_state if len(cells) > 1 else encoder_state[0]
        if not hp["attention"]:
            self.kind, self.cell, self.initial = "plain", stack(cells), bare
            return
        self.values = memory * tf.expand_dims(
            tf.sequence_mask(lengths, tf.shape(memory)[1], tf.float32), -1)
        with v1.variable_scope("decoder", reuse=v1.AUTO_REUSE):
            self.keys = v1.layers.dense(self.values, n, use_bias=False, name="memory_layer",
                                        reuse=v1.AUTO_REUSE)
        if hp["attention_architecture"] == "standard":
            self.kind, self.cell = "standard", stack(cells)
            cell_state = bare if hp["pass_hidden_state"] else self.cell.zero_state(batch,
                                                                                  tf.float32)
            self.initial = (cell_state, tf.zeros([batch, n]))
        else:
            self.kind = hp["attention_architecture"]
            states = tuple(encoder_state) if hp["pass_hidden_state"] else tuple(
                c.zero_state(batch, tf.float32) for c in cells)
            self.initial = (states, tf.zeros([batch, memory.shape[-1]]))

    def __call__(self, inputs, state):
        hp = self.hp
        if self.kind == "plain":
            with v1.variable_scope("decoder", reuse=v1.AUTO_REUSE):
                output, new_state = self.cell(inputs, state)
            return output, new_state, None
        cell_state, attention = state
        if self.kind == "standard":
            with v1.variable_scope("decoder/attention", reuse=v1.AUTO_REUSE):
                cell_output, new_cell_state = self.cell(tf.concat([inputs, attention], -1),
                                                        cell_state)
                alignments = alignments_for(hp, cell_output, self.keys, self.lengths)
                context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1), self.values), [1])
                new_attention = v1.layers.dense(tf.concat([cell_output, context], 1),
                                                hp["num_units"], use_bias=False,
                                                name="attention_layer", reuse=v1.AUTO_REUSE)
            output = new_attention if hp["output_attention"] else cell_output
            return output, (new_cell_state, new_attention), alignments
        new_states = []
        with v1.variable_scope("decoder/multi_rnn_cell/cell_0_attention/attention",
                               reuse=v1.AUTO_REUSE):
            output, s0 = self.cells[0](tf.concat([inputs, attention], -1), cell_state[0])
            alignments = alignments_for(hp, output, self.keys, self.lengths)
            new_attention = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1), self.values), [1])
        new_states.append(s0)
        read = new_attention if self.kind == "gnmt_v2" else attention
        for i in range(1, len(self.cells)):
            with v1.variable_scope(f"decoder/multi_rnn_cell/cell_{i}", reuse=v1.AUTO_REUSE):
                output, s = self.cells[i](tf.concat([output, read], -1), cell_state[i])
            new_states.append(s)
        return output, (tuple(new_states), new_attention), alignments


def projection(x):
    with v1.variable_scope("decoder", reuse=v1.AUTO_REUSE):
        return v1.layers.dense(x, TGT_VOCAB[0], use_bias=False, name="output_projection",
                               reuse=v1.AUTO_REUSE)


TGT_VOCAB = [None]  # the case's tgt_vocab_size, for `projection`


def teacher_forced(cell, target_input, embedding):
    inputs = v1.nn.embedding_lookup(embedding, target_input)
    state, outputs = cell.initial, []
    for t in range(target_input.shape[1]):
        output, state, _ = cell(inputs[:, t], state)
        outputs.append(output)
    return projection(tf.stack(outputs, 1))


def greedy(cell, embedding, steps, batch):
    state = cell.initial
    inputs = v1.nn.embedding_lookup(embedding, tf.fill([batch], SOS_ID))
    ids = []
    for _ in range(steps):
        output, state, _ = cell(inputs, state)
        sample = tf.argmax(projection(output), -1, output_type=tf.int32)
        ids.append(sample)
        inputs = v1.nn.embedding_lookup(embedding, sample)
    return tf.stack(ids, 1)


def beam(hp, cell, embedding, steps, batch, vocab):
    """contrib's BeamSearchDecoder, unrolled; per-step [batch, beam] tensors."""
    k = hp["beam_width"]
    log_probs = tf.constant([[0.0] + [-np.inf] * (k - 1)] * batch)
    finished = tf.constant([[False] + [True] * (k - 1)] * batch)
    lengths = tf.zeros([batch, k], tf.int64)
    coverage = None
    state = cell.initial
    inputs = v1.nn.embedding_lookup(embedding, tf.fill([batch * k], SOS_ID))
    per_step = {key: [] for key in ("scores", "ids", "parents", "finished", "lengths")}
    for _ in range(steps):
        output, state, alignments = cell(inputs, state)
        scores, total, _ = score_step(
            tf.reshape(projection(output), [batch, k, vocab]), log_probs, finished, lengths,
            EOS_ID, hp["length_penalty_weight"])
        if hp["coverage_penalty_weight"]:
            scores, coverage = add_coverage_penalty(scores, coverage, alignments, finished,
                                                    hp["coverage_penalty_weight"])
        top, parents, words, log_probs, finished, lengths, flat = select_beams(
            scores, total, finished, lengths, EOS_ID)
        state = tf.nest.map_structure(lambda s: tf.gather(s, flat), state)
        if coverage is not None:
            coverage = tf.gather(coverage, parents, batch_dims=1)
        inputs = v1.nn.embedding_lookup(embedding, tf.reshape(words, [-1]))
        for key, value in (("scores", top), ("ids", words), ("parents", parents),
                           ("finished", finished), ("lengths", lengths)):
            per_step[key].append(value)
    return {key: tf.stack(values, 1) for key, values in per_step.items()}


def gather_tree(step_ids, parent_ids, max_lengths):
    """TF's GatherTree (record_seq2seq_goldens' NumPy one) on [batch, time, beam]."""
    time_major = [np.transpose(x, [1, 0, 2]) for x in (step_ids, parent_ids)]
    return np.transpose(backtrack(*time_major, max_lengths, EOS_ID), [1, 0, 2])


def build(hp, graph_outputs):
    def build_fn(source, source_lengths, target_input, target_lengths):
        del target_lengths  # teacher forcing runs every step; lengths only cut the loss
        n = hp["num_units"]
        # nmt's num_embeddings_partitions: fixed-size shards, looked up with TF1's "mod"
        # strategy (v1 embedding_lookup's default).
        partitions = hp.get("num_embeddings_partitions", 0)
        with v1.variable_scope("embeddings", partitioner=(
                v1.fixed_size_partitioner(partitions) if partitions > 1 else None)):
            if hp["share_vocab"]:
                emb_enc = emb_dec = v1.get_variable("embedding_share", [hp["src_vocab_size"], n])
            else:
                with v1.variable_scope("encoder"):
                    emb_enc = v1.get_variable("embedding_encoder", [hp["src_vocab_size"], n])
                with v1.variable_scope("decoder"):
                    emb_dec = v1.get_variable("embedding_decoder", [hp["tgt_vocab_size"], n])
        with v1.variable_scope("dynamic_seq2seq"):
            memory, encoder_state = encoder(hp, source, source_lengths, emb_enc)
            gnmt = hp["attention_architecture"] in ("gnmt", "gnmt_v2") and hp["attention"]
            cells = make_cells(hp, hp["num_layers"], hp["dec_res"],
                               residual_fn=gnmt_residual if gnmt else None)
            cell = DecoderCell(hp, cells, memory, source_lengths, encoder_state, BATCH)
            logits = teacher_forced(cell, target_input, emb_dec)
            steps = int(round(2.0 * max(graph_outputs["source_lengths"])))
            graph_outputs["greedy"] = greedy(cell, emb_dec, steps, BATCH)
            k = hp["beam_width"]
            beam_cell = DecoderCell(hp, cells, tile(memory, k), tile(source_lengths, k),
                                    tile(encoder_state, k), BATCH * k)
            graph_outputs["beam"] = beam(hp, beam_cell, emb_dec, steps, BATCH,
                                         hp["tgt_vocab_size"])
            variables = v1.trainable_variables()
            w = tf.constant(graph_outputs["w"])
            graph_outputs["gradients"] = {
                v.op.name: tf.convert_to_tensor(g)
                for v, g in zip(variables, tf.gradients(tf.reduce_sum(w * logits), variables))}
        return logits
    return build_fn


def cut_greedy(ids):
    """Steps dynamic_decode runs (through the first all-finished one); lengths with </s>."""
    finished = np.maximum.accumulate(ids == EOS_ID, axis=1)
    all_done = np.flatnonzero(finished.all(axis=0))
    steps = int(all_done[0]) + 1 if all_done.size else ids.shape[1]
    lengths = np.where(finished[:, :steps].any(1), finished[:, :steps].argmax(1) + 1, steps)
    return ids[:, :steps], lengths.astype(np.int32)


def record_case(name, case, seed):
    hp = hparams(case["config"])
    TGT_VOCAB[0] = hp["tgt_vocab_size"]
    rng = np.random.default_rng(seed)
    source_lengths = np.array(case["source_lengths"], np.int32)
    target_lengths = np.array(case["target_lengths"], np.int32)
    inputs = {
        "source": rng.integers(3, hp["src_vocab_size"], [BATCH, SOURCE_TIME]).astype(np.int32),
        "source_lengths": source_lengths,
        "target_input": rng.integers(3, hp["tgt_vocab_size"], [BATCH, TARGET_TIME]).astype(
            np.int32),
        "target_lengths": target_lengths,
    }
    inputs["target_input"][:, 0] = SOS_ID
    # The port's logits stop at max(target_lengths), as dynamic_decode does.
    inputs["target_input"] = inputs["target_input"][:, :max(target_lengths)]
    graph_outputs = {"source_lengths": source_lengths,
                     "w": rng.normal(size=[BATCH, max(target_lengths),
                                           hp["tgt_vocab_size"]]).astype(np.float32)}
    fetched = {}

    def initialize(session):
        # A larger </s> column makes decodes finish at different steps (random
        # weights would rarely choose </s>): early stops, kept finished beams.
        kernel = [v for v in v1.global_variables()
                  if v.op.name == "dynamic_seq2seq/decoder/output_projection/kernel"][0]
        value = session.run(kernel)
        value[:, EOS_ID] *= case["eos_scale"]
        kernel.load(value, session)
        feed = {session.graph.get_tensor_by_name(f"{key}:0"): value
                for key, value in inputs.items()}
        fetched.update(session.run({k: graph_outputs[k] for k in ("greedy", "beam", "gradients")},
                                   feed_dict=feed))

    directory = OUT_DIR / name
    record_tf1_golden(
        directory, build(hp, graph_outputs), inputs, model="nmt", config=case["config"], call={},
        atol=1e-5, rtol=1e-5, atol_from_scale=1e-5, randomize_seed=seed, initialize=initialize,
        source="TF1 graph-mode reference of tensorflow/nmt (model.py, attention_model.py, "
               "gnmt_model.py) and tf.contrib.seq2seq r1.15 from TF core ops, dynamic_rnn and "
               "tf-keras 2.21 legacy cells (tests/goldens/record_nmt_goldens.py)")
    greedy_ids, greedy_lengths = cut_greedy(fetched["greedy"])
    b = fetched["beam"]
    done = np.flatnonzero(b["finished"].reshape(BATCH, b["finished"].shape[1], -1).all(2).all(0))
    steps = int(done[0]) + 1 if done.size else b["finished"].shape[1]
    final_lengths = b["lengths"][:, steps - 1]
    np.savez(directory / "decode.npz", w=graph_outputs["w"], greedy_ids=greedy_ids,
             greedy_lengths=greedy_lengths, beam_scores=b["scores"][:, :steps],
             beam_step_ids=b["ids"][:, :steps], beam_parent_ids=b["parents"][:, :steps],
             beam_finished=b["finished"][:, :steps], beam_final_lengths=final_lengths,
             beam_ids=gather_tree(b["ids"][:, :steps], b["parents"][:, :steps],
                                  final_lengths.max(axis=1)),
             **{"grad:" + k: v for k, v in fetched["gradients"].items()})
    print(name, "greedy", greedy_ids.tolist(), greedy_lengths.tolist(), "beam steps", steps,
          "finished per step", b["finished"][:, :steps].sum(2).tolist(), sep="\n  ")


def main():
    # A case may fix its seed; the others are seeded by their sorted order among themselves.
    seeded = sorted(name for name in CASES if "seed" not in CASES[name])
    for name, case in sorted(CASES.items()):
        record_case(name, case, case.get("seed", seeded.index(name) if name in seeded else 0))
    (OUT_DIR / "README.md").write_text(
        "Goldens of tests/goldens/record_nmt_goldens.py (cases in nmt_cases.py).\n")


if __name__ == "__main__":
    main()
