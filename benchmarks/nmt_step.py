"""An nmt attention model: zoo `nmt` in `tf.function` vs the TF1 graph reference in a Session.

Both run nmt's iwslt15 architecture at 512 units: a 2-layer bi encoder, a
2-layer LSTM decoder with scaled Luong attention, vocabularies of 7709 and
17191 ids, random weights; batch 32, source and target lengths 30:

* a training step: teacher-forced logits, nmt's loss (summed cross-entropy /
  batch), one plain SGD update of every variable;
* beam-10 translation of the 32 sources to 60 ids (nmt's 2x the source
  length; random weights never choose `</s>`, so both run every step).

The TF1 side is tests/goldens/record_nmt_goldens.py's reference (TF core
dynamic_rnn over tf-keras's legacy cells, the decoder unrolled step by step),
run with TF_USE_LEGACY_KERAS=1 in a subprocess (this Python if it has
tf-keras, else $TF1TRACK_TF1_PYTHON; skipped otherwise). Its decoder is
unrolled where nmt's contrib decoder looped: a graph TF1 could only beat.

Prints sentences/second and the time ratios zoo / TF1 (target <= 1.1).

Run: python benchmarks/nmt_step.py [--rounds 3]
"""

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from timing import median_seconds, run_tf1_side  # noqa: E402  (benchmarks/ is the script's directory)

CONFIG = dict(num_units=512, num_layers=2, encoder_type="bi", attention="scaled_luong",
              src_vocab_size=7709, tgt_vocab_size=17191, beam_width=10, dropout=0.0)
BATCH, LENGTH, LEARNING_RATE = 32, 30, 0.1
GOLDENS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "goldens"


def _data(np):
    rng = np.random.default_rng(0)
    source = rng.integers(3, CONFIG["src_vocab_size"], [BATCH, LENGTH]).astype(np.int32)
    target = rng.integers(3, CONFIG["tgt_vocab_size"], [BATCH, LENGTH + 1]).astype(np.int32)
    target[:, 0] = 1
    lengths = np.full([BATCH], LENGTH, np.int32)
    return source, lengths, target[:, :-1], target[:, 1:], lengths


def _loss(tf, logits, target_output):
    return tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=target_output, logits=logits)) / BATCH


def measure_zoo(rounds):
    """Median seconds of zoo nmt's step and beam-10 translation in `tf.function`."""
    import numpy as np
    import tensorflow as tf
    import zoo

    source, lengths, target_input, target_output, target_lengths = (
        tf.constant(x) for x in _data(np))
    model = zoo.build("nmt", **CONFIG)
    model(source, lengths, target_input, target_lengths)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = _loss(tf, model(source, lengths, target_input, target_lengths, training=True),
                         target_output)
        for variable, grad in zip(model.trainable_variables,
                                  tape.gradient(loss, model.trainable_variables)):
            variable.assign_sub(LEARNING_RATE * tf.convert_to_tensor(grad))
        return loss

    translate = tf.function(lambda: model.translate(source, lengths)["ids"])
    return {"step": median_seconds(lambda: step().numpy(), rounds),
            "beam": median_seconds(lambda: translate().numpy(), rounds)}


def measure_tf1_reference(rounds):
    """The same work in the TF1 graph reference of the nmt goldens, in a Session."""
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, str(GOLDENS))
    import record_nmt_goldens as reference  # pylint: disable=import-outside-toplevel

    v1 = tf.compat.v1
    hp = reference.hparams(CONFIG)
    reference.TGT_VOCAB[0] = hp["tgt_vocab_size"]
    source, lengths, target_input, target_output, _ = _data(np)
    graph = tf.Graph()
    with graph.as_default():
        n = hp["num_units"]
        with v1.variable_scope("embeddings"):
            with v1.variable_scope("encoder"):
                emb_enc = v1.get_variable("embedding_encoder", [hp["src_vocab_size"], n])
            with v1.variable_scope("decoder"):
                emb_dec = v1.get_variable("embedding_decoder", [hp["tgt_vocab_size"], n])
        with v1.variable_scope("dynamic_seq2seq"):
            memory, state = reference.encoder(hp, tf.constant(source), tf.constant(lengths),
                                              emb_enc)
            cells = reference.make_cells(hp, hp["num_layers"], hp["dec_res"])
            cell = reference.DecoderCell(hp, cells, memory, tf.constant(lengths), state, BATCH)
            logits = reference.teacher_forced(cell, tf.constant(target_input), emb_dec)
            k = hp["beam_width"]
            beam_cell = reference.DecoderCell(
                hp, cells, reference.tile(memory, k), reference.tile(tf.constant(lengths), k),
                reference.tile(state, k), BATCH * k)
            beam = reference.beam(hp, beam_cell, emb_dec, 2 * LENGTH, BATCH,
                                  hp["tgt_vocab_size"])["ids"]
        train_op = v1.train.GradientDescentOptimizer(LEARNING_RATE).minimize(
            _loss(tf, logits, tf.constant(target_output)))
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return {"step": median_seconds(lambda: session.run(train_op), rounds),
                    "beam": median_seconds(lambda: session.run(beam), rounds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tf1-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tf1_only:
        print(json.dumps(measure_tf1_reference(args.rounds)))
        return
    results = {}
    tf1 = run_tf1_side(__file__, ["--rounds", str(args.rounds), "--tf1-only"], ("tf_keras",))
    if tf1 is None:
        print("TF1 reference skipped: no Python with tf-keras (set TF1TRACK_TF1_PYTHON)")
    else:
        results["TF1 graph reference (Session)"] = tf1
    results["zoo nmt (tf.function)"] = measure_zoo(args.rounds)
    print(f"nmt bi/scaled_luong 2x512, batch {BATCH}, length {LENGTH}, medians of {args.rounds}")
    for name, timing in results.items():
        print(f"  {name:32s} step {timing['step']:7.3f} s ({BATCH / timing['step']:6.1f} "
              f"sentences/s)   beam-10 {timing['beam']:7.3f} s "
              f"({BATCH / timing['beam']:6.1f} sentences/s)")
    if len(results) == 2:
        ours, tf1 = results["zoo nmt (tf.function)"], results["TF1 graph reference (Session)"]
        print(f"  ratio zoo / TF1: step {ours['step'] / tf1['step']:.2f}  "
              f"beam-10 {ours['beam'] / tf1['beam']:.2f}  (target <= 1.1)")


if __name__ == "__main__":
    main()
