"""Cost of `track_tf1_style_variables` against a native Keras 3 layer.

The same 3-layer MLP (256 units, ReLU) is written twice: as a native Keras 3
layer holding three `keras.layers.Dense`, and as TF1 code (`variable_scope` +
`get_variable`) in a tracked Keras layer. Both are timed side by side, eager
and inside `tf.function`, interleaved round by round so machine noise hits
both alike; the script prints the median call times and the ratios
decorated / native. Targets: <= 1.05 in tf.function, <= 1.5 eager.

Run: python benchmarks/decorator_overhead.py [--rounds 30 --calls 50]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import tf1track_core  # noqa: E402

UNITS = 256
LAYERS = 3
BATCH = 32

v1 = tf.compat.v1


class NativeMLP(keras.layers.Layer):
    """Three Dense(256, relu) layers, the Keras 3 way."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_layers = [keras.layers.Dense(UNITS, activation="relu") for _ in range(LAYERS)]

    def call(self, inputs):
        out = inputs
        for dense in self.dense_layers:
            out = dense(out)
        return out


class TF1MLP(keras.layers.Layer):
    """The same MLP as TF1 get_variable code, tracked."""

    @tf1track_core.track_tf1_style_variables
    def call(self, inputs):
        out = inputs
        with v1.variable_scope("mlp"):
            for i in range(LAYERS):
                with v1.variable_scope(f"dense_{i}"):
                    kernel = v1.get_variable("kernel", [out.shape[-1], UNITS])
                    bias = v1.get_variable("bias", [UNITS], initializer=v1.zeros_initializer())
                    out = tf.nn.relu(tf.nn.bias_add(tf.matmul(out, kernel), bias))
        return out


def _time_calls(fn, x, calls):
    start = time.perf_counter()
    for _ in range(calls):
        out = fn(x)
    out.numpy()  # wait for the last result
    return (time.perf_counter() - start) / calls


def measure(rounds, calls):
    """Median seconds per call for {mode: {variant: t}}, interleaved by round."""
    x = tf.random.normal([BATCH, UNITS], seed=0)
    layers = {"native": NativeMLP(), "decorated": TF1MLP()}
    modes = {
        "eager": {name: layer for name, layer in layers.items()},
        "tf.function": {name: tf.function(layer) for name, layer in layers.items()},
    }
    for fns in modes.values():
        for fn in fns.values():
            for _ in range(3):  # build, trace, warm up
                fn(x).numpy()
    samples = {mode: {name: [] for name in fns} for mode, fns in modes.items()}
    for _ in range(rounds):
        for mode, fns in modes.items():
            for name, fn in fns.items():
                samples[mode][name].append(_time_calls(fn, x, calls))
    return {mode: {name: statistics.median(times) for name, times in by_name.items()}
            for mode, by_name in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    medians = measure(args.rounds, args.calls)
    targets = {"eager": 1.5, "tf.function": 1.05}
    print(f"3-layer MLP, {UNITS} units, batch {BATCH}; median of {args.rounds} rounds "
          f"x {args.calls} calls")
    print(f"{'mode':12s} {'native ms':>10s} {'decorated ms':>13s} {'ratio':>7s} {'target':>7s}")
    for mode, by_name in medians.items():
        ratio = by_name["decorated"] / by_name["native"]
        print(f"{mode:12s} {by_name['native'] * 1e3:10.3f} {by_name['decorated'] * 1e3:13.3f} "
              f"{ratio:7.3f} {'<= ' + str(targets[mode]):>7s}")


if __name__ == "__main__":
    main()
