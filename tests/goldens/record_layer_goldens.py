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

import tensorflow as tf  # noqa: E402

from layer_cases import CASES, apply_case  # noqa: E402
from tf1_session import record_all, record_layer_case  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "layers"


def record(name, case, seed):
    return record_layer_case(OUT_DIR, name, case, seed,
                             lambda x: apply_case(tf.compat.v1.layers, case, x))


def main():
    record_all(OUT_DIR, "tf-keras legacy tf.compat.v1.layers in TF1 graph mode "
               "(tests/goldens/record_layer_goldens.py)", CASES, record)


if __name__ == "__main__":
    main()
