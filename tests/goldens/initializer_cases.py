"""Seeded contrib initializer and regularizer cases (recorder and test share them).

Each initializer case runs under graph-level seed 7 with its own op `seed`,
so a TF1 graph and eager TF2 draw the same numbers.
"""

import numpy as np

INITIALIZER_CASES = {
    # name: (function, kwargs, shape)
    "xavier_uniform_dense": ("xavier_initializer", {"seed": 3}, [20, 30]),
    "xavier_normal_conv": ("xavier_initializer", {"uniform": False, "seed": 4}, [3, 3, 4, 8]),
    "variance_scaling_default_conv": ("variance_scaling_initializer", {"seed": 5},
                                      [3, 3, 4, 8]),
    "variance_scaling_fan_out_uniform": ("variance_scaling_initializer",
                                         {"factor": 1.5, "mode": "FAN_OUT", "uniform": True,
                                          "seed": 6}, [10, 7]),
    "variance_scaling_fan_avg_vector": ("variance_scaling_initializer",
                                        {"mode": "FAN_AVG", "seed": 8}, [9]),
}

REGULARIZER_CASES = {
    # name: (function, positional arguments)
    "l1": ("l1_regularizer", (0.3,)),
    "l2": ("l2_regularizer", (0.5,)),
    "l1_l2": ("l1_l2_regularizer", (0.1, 0.2)),
    "l1_l2_no_l1": ("l1_l2_regularizer", (0.0, 0.2)),
}


def regularizer_input():
    """The fixed weights the regularizers are applied to."""
    return np.random.default_rng(11).normal(size=[4, 5]).astype(np.float32)
