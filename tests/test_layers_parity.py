"""tf1track_core.layers against goldens recorded from the real TF1 layers.

The goldens (tests/goldens/layers/, recorded by
tests/goldens/record_layer_goldens.py from tf-keras's legacy
`tf.compat.v1.layers` in TF1 graph mode) hold, per case, the variable names and
values, outputs, gradients of a fixed linear loss, regularization losses and
updated batch-norm statistics. Here the same case runs through tf1track's
layers inside a tracked module, eager and in `tf.function`.
"""

import json
import pathlib

import pytest

from golden_layer_checks import check_case, load_golden
from goldens.layer_cases import apply_case
from tf1track_core import layers as tf1_layers

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "layers"
MANIFEST = json.loads((GOLDENS / "manifest.json").read_text())


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", sorted(MANIFEST["cases"]))
def test_layer_matches_tf1(name, use_function):
    case = MANIFEST["cases"][name]
    check_case(lambda x: apply_case(tf1_layers, case, x), load_golden(GOLDENS / f"{name}.npz"),
               case, use_function)
