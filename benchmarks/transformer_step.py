"""BERT-base against keras-hub, and the t2t Transformer's decoding with and without its cache.

Side by side in one run:

* BERT-base (12 layers, hidden 768, 12 heads, intermediate 3072, vocab 30522)
  at batch 8, length 128: the forward pass and one training step (a mean of
  the sequence output as the loss, plain SGD on every trainable variable),
  each in `tf.function`, for zoo `bert` and for keras-hub's `BertBackbone` of
  the same size (built from its config: no preset download). Prints the
  medians and the ratio zoo / keras-hub (target <= 1.0).
* t2t `transformer_base` (6+6 layers, hidden 512, vocab 32000, random
  weights): greedy and beam-4 decoding of 32 sentences of 16 ids to 64 output
  ids (random weights over 32000 ids almost never choose EOS, so the runs
  decode the full length; the lengths are printed), in tokens/s with the
  incremental cache (`layer.decode`) and without it (every step re-runs the
  teacher-forced decoder over the whole prefix, as a cacheless decoder must).

Needs keras-hub 0.32 (`pip install "keras-hub==0.32.*"`).

Run: python benchmarks/transformer_step.py [--rounds 3] [--skip_bert] [--skip_decode]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from timing import interleaved_median_seconds, median_seconds  # noqa: E402  (benchmarks/ is the script's directory)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402

BERT_BASE = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2)
BATCH, LENGTH, LEARNING_RATE = 8, 128, 1e-4
DECODE_BATCH, INPUT_LENGTH, OUTPUT_LENGTH, VOCAB = 32, 16, 64, 32000


def _step_and_forward(variables, forward):
    """`tf.function`s for forward and one SGD step on `mean(forward(True))`."""

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(forward(True))
        grads = tape.gradient(loss, variables)
        for variable, grad in zip(variables, grads):
            if grad is not None:  # (the pooler does not reach the sequence output)
                variable.assign_sub(LEARNING_RATE * tf.convert_to_tensor(grad))
        return loss

    @tf.function
    def forward_only():
        return forward(False)

    return lambda: step().numpy(), lambda: forward_only().numpy()


def measure_bert(rounds):
    """Medians `{name: {"forward": s, "step": s}}` for zoo bert and keras-hub's BertBackbone."""
    import keras_hub

    rng = np.random.default_rng(0)
    ids = tf.constant(rng.integers(0, BERT_BASE["vocab_size"], [BATCH, LENGTH]), tf.int32)
    mask = tf.ones([BATCH, LENGTH], tf.int32)
    types = tf.zeros([BATCH, LENGTH], tf.int32)

    bert = zoo.build("bert", **BERT_BASE)
    bert(ids, mask, types)
    hub = keras_hub.models.BertBackbone(
        vocabulary_size=BERT_BASE["vocab_size"], num_layers=12, num_heads=12, hidden_dim=768,
        intermediate_dim=3072, max_sequence_length=512, num_segments=2)
    hub_inputs = {"token_ids": ids, "padding_mask": mask, "segment_ids": types}
    hub(hub_inputs)
    runs = {
        "zoo bert": _step_and_forward(
            bert.trainable_variables,
            lambda training: bert(ids, mask, types, training=training)["sequence_output"]),
        "keras-hub BertBackbone": _step_and_forward(
            hub.trainable_variables,
            lambda training: hub(hub_inputs, training=training)["sequence_output"]),
    }
    # zoo and keras-hub alternate within every round (see `interleaved_median_seconds`).
    forward = interleaved_median_seconds({name: f for name, (_, f) in runs.items()}, rounds)
    step = interleaved_median_seconds({name: s for name, (s, _) in runs.items()}, rounds)
    return {name: {"forward": forward[name], "step": step[name]} for name in runs}


def _uncached_greedy(layer):
    """Greedy decoding that re-runs the full teacher-forced model at every step."""

    @tf.function
    def run(inputs):
        prefix = tf.zeros([DECODE_BATCH, 0], tf.int32)
        for _ in tf.range(OUTPUT_LENGTH):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(prefix, tf.TensorShape([DECODE_BATCH, None]))])
            # The next id is predicted at the position after the prefix.
            targets = tf.concat([prefix, tf.zeros([DECODE_BATCH, 1], tf.int32)], axis=1)
            logits = layer(inputs, targets)
            prefix = tf.concat([prefix, tf.argmax(logits[:, -1], -1, output_type=tf.int32)[:, None]],
                               axis=1)
        return prefix

    return run


def measure_decode(rounds):
    """Tokens per second `{name: tokens/s}` for greedy and beam-4, cached and uncached."""
    layer = zoo.build("transformer", vocab_size=VOCAB, layer_prepostprocess_dropout=0.0,
                      attention_dropout=0.0, relu_dropout=0.0)
    rng = np.random.default_rng(0)
    inputs = tf.constant(rng.integers(2, VOCAB, [DECODE_BATCH, INPUT_LENGTH]), tf.int32)
    layer(inputs, inputs)
    greedy = tf.function(lambda x: layer.decode(x, beam_size=1, max_length=OUTPUT_LENGTH))
    beam = tf.function(lambda x: layer.decode(x, beam_size=4, max_length=OUTPUT_LENGTH))
    uncached = _uncached_greedy(layer)
    results = {}
    for name, fn in (("greedy, cached", greedy), ("beam 4, cached", beam),
                     ("greedy, no cache", uncached)):
        lengths = []

        def run(fn=fn):
            out = fn(inputs)
            out = out["outputs"] if isinstance(out, dict) else out
            lengths.append(int(out.shape[1]))

        seconds = median_seconds(run, rounds)
        results[name] = (DECODE_BATCH * lengths[-1] / seconds, lengths[-1])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip_bert", action="store_true")
    parser.add_argument("--skip_decode", action="store_true")
    args = parser.parse_args()
    if not args.skip_bert:
        bert = measure_bert(args.rounds)
        print(f"BERT-base, batch {BATCH}, length {LENGTH} (median s over {args.rounds} rounds)")
        for name, times in bert.items():
            print(f"  {name:24s} forward {times['forward']:.3f}  step {times['step']:.3f}")
        ours, hub = bert["zoo bert"], bert["keras-hub BertBackbone"]
        print(f"  ratio zoo / keras-hub: forward {ours['forward'] / hub['forward']:.2f}  "
              f"step {ours['step'] / hub['step']:.2f}  (target <= 1.0)")
    if not args.skip_decode:
        decode = measure_decode(args.rounds)
        print(f"t2t transformer_base decode, {DECODE_BATCH} sentences of {INPUT_LENGTH} ids, "
              f"up to {OUTPUT_LENGTH} output ids")
        for name, (tokens_per_second, length) in decode.items():
            print(f"  {name:18s} {tokens_per_second:9.1f} tokens/s  ({length} ids)")
        print(f"  cache speed-up (greedy): "
              f"{decode['greedy, cached'][0] / decode['greedy, no cache'][0]:.1f}x")


if __name__ == "__main__":
    main()
