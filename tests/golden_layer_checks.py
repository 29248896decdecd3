"""Checking a tracked layer case against a golden of `goldens.tf1_session.record_layer_case`."""

import numpy as np
import tensorflow as tf

import tf1track_core

TOLERANCE = dict(rtol=1e-5, atol=1e-5)


def tolerance(values):
    """1e-5 for float32; for float16, two units in the last place (float16 carries ~3 digits,
    and CPUs with AVX512-FP16/AMX round some fused float16 kernels differently)."""
    if np.asarray(values).dtype == np.float16:
        eps = float(np.finfo(np.float16).eps)
        return dict(rtol=2 * eps, atol=2 * eps * 1e-1)
    return TOLERANCE


class CaseModule(tf.Module):
    """Runs `build(inputs)` (one golden case, with tf1track's code) inside a tracked call."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    @tf1track_core.track_tf1_style_variables
    def __call__(self, inputs):
        return self._build(inputs)


def load_golden(path):
    """The arrays of a golden npz (no pickles)."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def check_case(build, golden, entry, use_function, ordered=True):
    """Builds the case, loads the golden's values, then checks outputs, gradients, updates.

    `entry` is the case's manifest entry (variables, trainable, updated);
    `ordered=False` compares variable names as sets (creation order aside).
    """
    module = CaseModule(build)
    x = tf.constant(golden["input"])
    module(x)  # creates the variables (a training call may move BN statistics)
    variables = tf1track_core.tf1_variables(module)
    if ordered:
        assert list(variables) == entry["variables"]
        assert [n for n, v in variables.items() if v.trainable] == entry["trainable"]
    else:
        assert sorted(variables) == sorted(entry["variables"])
        assert sorted(n for n, v in variables.items() if v.trainable) == \
            sorted(entry["trainable"])
    for var_name, variable in variables.items():
        assert tuple(variable.shape) == golden["var:" + var_name].shape, var_name
        variable.assign(golden["var:" + var_name])
    trainable = [variables[n] for n in entry["trainable"]]
    differentiable = "grad_input" in golden

    def step(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out = module(inputs)
            loss = tf.reduce_sum(out * golden["loss_weights"])
        return out, tape.gradient(loss, trainable + ([inputs] if differentiable else []))

    out, grads = (tf.function(step) if use_function else step)(x)
    np.testing.assert_allclose(out.numpy(), golden["output"], **tolerance(golden["output"]))
    if entry.get("forward_only"):
        grads, differentiable = [], False
    for var_name, grad in zip(entry["trainable"], grads):
        np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), golden["grad:" + var_name],
                                   **tolerance(golden["grad:" + var_name]),
                                   err_msg=f"gradient of {var_name}")
    if differentiable:
        np.testing.assert_allclose(grads[-1].numpy(), golden["grad_input"],
                                   **tolerance(golden["grad_input"]))
    for var_name in entry["updated"]:
        np.testing.assert_allclose(variables[var_name].numpy(), golden["updated:" + var_name],
                                   **tolerance(golden["updated:" + var_name]),
                                   err_msg=f"updated {var_name}")
    losses = [float(x) for x in tf1track_core.regularization_losses(module)]
    np.testing.assert_allclose(losses, golden["regularization_losses"], rtol=1e-5)
    return module
