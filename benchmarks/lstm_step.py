"""A 2-layer LSTM: tf1track cells + TF core's dynamic_rnn vs Keras 3's LSTM layer.

512 units, batch 32, 50 steps, input depth 512. Ours: `MultiRNNCell` of two
`BasicLSTMCell`s run by `tf.compat.v1.nn.dynamic_rnn` in a tracked Keras layer;
Keras 3: two stacked `keras.layers.LSTM(512, return_sequences=True)`. Both
inside `tf.function`, forward pass and one training step (gradients of the
mean output w.r.t. every weight, plain SGD), interleaved round by round.
Prints medians and the ratios ours / Keras 3. Target: <= 1.0.

Run: python benchmarks/lstm_step.py [--rounds 20]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import tf1track_core  # noqa: E402
from tf1track_core import rnn_cell  # noqa: E402

UNITS, BATCH, STEPS, DEPTH = 512, 32, 50, 512


class TF1StackedLSTM(keras.layers.Layer):
    """Two BasicLSTMCells in a MultiRNNCell, run by dynamic_rnn."""

    @tf1track_core.track_tf1_style_variables
    def call(self, inputs):
        cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS) for _ in range(2)])
        outputs, _ = tf.compat.v1.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
        return outputs


def keras_stacked_lstm():
    return keras.Sequential([keras.Input((STEPS, DEPTH)),
                             keras.layers.LSTM(UNITS, return_sequences=True),
                             keras.layers.LSTM(UNITS, return_sequences=True)])


def functions(model, x):
    model(x)  # build

    @tf.function
    def forward():
        return model(x)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x))
        grads = tape.gradient(loss, model.trainable_weights)
        for weight, grad in zip(model.trainable_weights, grads):
            weight.assign_sub(0.01 * grad)
        return loss

    return {"forward": lambda: forward().numpy(), "train step": lambda: train_step().numpy()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    x = tf.random.normal([BATCH, STEPS, DEPTH], seed=0)
    runs = {"tf1track cells + dynamic_rnn": functions(TF1StackedLSTM(), x),
            "keras.layers.LSTM": functions(keras_stacked_lstm(), x)}
    for fns in runs.values():
        for fn in fns.values():
            fn()
            fn()
    times = {(model, kind): [] for model, fns in runs.items() for kind in fns}
    for _ in range(args.rounds):
        for model, fns in runs.items():
            for kind, fn in fns.items():
                start = time.perf_counter()
                fn()
                times[(model, kind)].append(time.perf_counter() - start)
    medians = {key: statistics.median(values) for key, values in times.items()}
    print(f"2-layer LSTM, {UNITS} units, batch {BATCH}, {STEPS} steps; medians of {args.rounds}")
    for (model, kind), seconds in medians.items():
        print(f"  {model:30s} {kind:10s} {seconds * 1e3:9.1f} ms")
    for kind in ("forward", "train step"):
        ratio = (medians[("tf1track cells + dynamic_rnn", kind)]
                 / medians[("keras.layers.LSTM", kind)])
        print(f"  ours / Keras 3 {kind}: {ratio:.3f} (target <= 1.0)")


if __name__ == "__main__":
    main()
