"""Records goldens of the real TF1 RNN cells for tests/test_rnn_cell.py.

Not the port: this runs tf-keras's legacy `tf.compat.v1.nn.rnn_cell` (TF1's
cells as they ship with tf-keras 2.21) with TF core's dynamic_rnn /
bidirectional_dynamic_rnn / static_rnn in TF1 graph mode, in a Session:

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_rnn_cell_goldens.py

Per case: every variable set to random values; the variable names (creation
order) and values, the flat outputs and final states, and the gradients of a
fixed random linear function of all of them w.r.t. every trainable variable
and the inputs. One `<case>.npz` per case (numeric arrays only) and
`manifest.json`.
"""

import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from rnn_cases import CASES, run_case  # noqa: E402
from tf1_session import load_values, random_values, record_all  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "rnn_cell"
v1 = tf.compat.v1


def record(name, case, seed):
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        x_value = rng.normal(size=case["input"]).astype(np.float32)
        x = tf.constant(x_value)
        lengths = case.get("sequence_length")
        flat = run_case(v1.nn.rnn_cell, case, x,
                        tf.constant(lengths, tf.int32) if lengths else None)
        variables = v1.global_variables()
        trainable = v1.trainable_variables()
        loss_weights = [rng.normal(size=t.shape.as_list()).astype(np.float32) for t in flat]
        loss = tf.add_n([tf.reduce_sum(t * w) for t, w in zip(flat, loss_weights)])
        grads = tf.gradients(loss, trainable + [x])
        values = random_values(variables, rng, scale=0.5)
        with v1.Session(graph=graph) as session:
            load_values(session, variables, values)
            flat_values, grad_values = session.run([flat, grads])
    arrays = {"input": x_value, "grad_input": grad_values[-1]}
    for i, (value, weights) in enumerate(zip(flat_values, loss_weights)):
        arrays[f"out:{i}"] = value
        arrays[f"loss_weights:{i}"] = weights
    for v in variables:
        arrays["var:" + v.op.name] = values[v.op.name]
    for v, g in zip(trainable, grad_values[:-1]):
        arrays["grad:" + v.op.name] = np.asarray(g)
    np.savez(OUT_DIR / f"{name}.npz", **arrays)
    return {**case, "variables": [v.op.name for v in variables],
            "trainable": [v.op.name for v in trainable], "outputs": len(flat_values)}


def main():
    record_all(OUT_DIR, "tf-keras legacy tf.compat.v1.nn.rnn_cell with TF core's RNN drivers "
               "in TF1 graph mode (tests/goldens/record_rnn_cell_goldens.py)", CASES, record)


if __name__ == "__main__":
    main()
