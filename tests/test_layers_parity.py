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

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from goldens.layer_cases import apply_case
from tf1track_core import layers as tf1_layers

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "layers"
MANIFEST = json.loads((GOLDENS / "manifest.json").read_text())
TOLERANCE = dict(rtol=1e-5, atol=1e-5)


class CaseModule(tf.Module):
    """Runs one golden case with tf1track's layers, tracked."""

    def __init__(self, case):
        super().__init__()
        self.case = case

    @tf1track_core.track_tf1_style_variables
    def __call__(self, inputs):
        return apply_case(tf1_layers, self.case, inputs)


def _load(name):
    with np.load(GOLDENS / f"{name}.npz", allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _run(module, x, golden, use_function):
    variables = tf1track_core.tf1_variables(module)
    trainable = [variables[n] for n in module.case_trainable]

    def step(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out = module(inputs)
            loss = tf.reduce_sum(out * golden["loss_weights"])
        return out, tape.gradient(loss, trainable + [inputs])

    return (tf.function(step) if use_function else step)(x)


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
@pytest.mark.parametrize("name", sorted(MANIFEST["cases"]))
def test_layer_matches_tf1(name, use_function):
    case = MANIFEST["cases"][name]
    golden = _load(name)
    module = CaseModule(case)
    x = tf.constant(golden["input"])
    module(x)  # creates the variables (a training call may move BN statistics)

    variables = tf1track_core.tf1_variables(module)
    assert list(variables) == case["variables"]
    assert [n for n, v in variables.items() if v.trainable] == case["trainable"]
    for var_name, variable in variables.items():
        assert tuple(variable.shape) == golden["var:" + var_name].shape, var_name
        variable.assign(golden["var:" + var_name])

    module.case_trainable = case["trainable"]
    out, grads = _run(module, x, golden, use_function)
    np.testing.assert_allclose(out.numpy(), golden["output"], **TOLERANCE)
    for var_name, grad in zip(case["trainable"], grads[:-1]):
        np.testing.assert_allclose(grad.numpy(), golden["grad:" + var_name], **TOLERANCE,
                                   err_msg=f"gradient of {var_name}")
    np.testing.assert_allclose(grads[-1].numpy(), golden["grad_input"], **TOLERANCE)
    for var_name in case["updated"]:
        np.testing.assert_allclose(variables[var_name].numpy(), golden["updated:" + var_name],
                                   **TOLERANCE, err_msg=f"updated {var_name}")
    losses = [float(x) for x in tf1track_core.regularization_losses(module)]
    np.testing.assert_allclose(losses, golden["regularization_losses"], rtol=1e-5)
