"""Records goldens of the real TF1 `tf.compat.v1.layers` for tests/test_layers_parity.py.

Not the port: this runs tf-keras's legacy `tf.compat.v1.layers` (the TF1
layers as they ship with tf-keras 2.21) in TF1 graph mode, in a
`tf.compat.v1.Session`. Run it in an environment with tensorflow 2.21 and
tf-keras 2.21 installed:

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_layer_goldens.py

For every case it builds the layer on a fixed random input, sets every
variable to random values (so nothing is trivially zero or one), and records
the variable names and values, the outputs, the gradients of a fixed random
linear loss w.r.t. every trainable variable and the input, the regularization
losses, and (batch norm in training) the non-trainable statistics after the update.
One `<case>.npz` per case (numeric arrays only) and `manifest.json`.
"""

import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from layer_cases import CASES, apply_case  # noqa: E402
from tf1_session import load_values, random_values, record_all  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "layers"

def record(name, case, seed):
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        x_value = rng.normal(size=case["input"]).astype(case.get("input_dtype", "float32"))
        x = tf.constant(x_value)
        out = apply_case(tf.compat.v1.layers, case, x)
        variables = tf.compat.v1.global_variables()
        trainable = tf.compat.v1.trainable_variables()
        loss_weights = rng.normal(size=out.shape.as_list()).astype(out.dtype.as_numpy_dtype)
        loss = tf.reduce_sum(out * loss_weights)
        grads = tf.gradients(loss, trainable + [x])
        reg_losses = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
        updates = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS)
        values = random_values(variables, rng)
        with tf.compat.v1.Session(graph=graph) as session:
            load_values(session, variables, values)
            out_value, grad_values, reg_values = session.run([out, grads, reg_losses])
            session.run(updates)
            updated = {v.op.name: session.run(v) for v in variables if not v.trainable}
    arrays = {"input": x_value, "loss_weights": loss_weights, "output": out_value,
              "grad_input": grad_values[-1], "regularization_losses": np.array(reg_values, np.float32)}
    for v in variables:
        arrays["var:" + v.op.name] = values[v.op.name]
    for v, g in zip(trainable, grad_values[:-1]):
        arrays["grad:" + v.op.name] = g
    for var_name, value in updated.items():
        arrays["updated:" + var_name] = value
    np.savez(OUT_DIR / f"{name}.npz", **arrays)
    return {**case, "variables": [v.op.name for v in variables],
            "trainable": [v.op.name for v in trainable], "updated": sorted(updated)}


def main():
    record_all(OUT_DIR, "tf-keras legacy tf.compat.v1.layers in TF1 graph mode "
               "(tests/goldens/record_layer_goldens.py)", CASES, record)


if __name__ == "__main__":
    main()
