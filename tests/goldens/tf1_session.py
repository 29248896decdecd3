"""What the golden recorders share: random variable values loaded into a TF1 Session."""

import numpy as np


def random_values(variables, rng, scale=1.0):
    """`{op name: value}`: scaled normal values; variances kept positive."""
    values = {}
    for variable in variables:
        value = rng.normal(size=variable.shape.as_list()) * scale
        if "variance" in variable.op.name:
            value = np.abs(value) + 0.5
        values[variable.op.name] = value.astype(variable.dtype.base_dtype.as_numpy_dtype)
    return values


def load_values(session, variables, values):
    """Initialises the graph's variables, then loads `values` into them."""
    import tensorflow as tf  # imported late: the recorders set TF_USE_LEGACY_KERAS first
    session.run(tf.compat.v1.global_variables_initializer())
    for variable in variables:
        variable.load(values[variable.op.name], session)
