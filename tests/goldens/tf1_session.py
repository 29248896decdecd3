"""What the golden recorders share: random variable values loaded into a TF1 Session."""

import numpy as np


def random_values(variables, rng, scale=1.0):
    """`{op name: value}`: scaled normal values; variances and stddevs kept positive."""
    values = {}
    for variable in variables:
        value = rng.normal(size=variable.shape.as_list()) * scale
        if "variance" in variable.op.name or "stddev" in variable.op.name:
            value = np.abs(value) + 0.5
        values[variable.op.name] = value.astype(variable.dtype.base_dtype.as_numpy_dtype)
    return values


def load_values(session, variables, values):
    """Initialises the graph's variables, then loads `values` into them."""
    import tensorflow as tf  # imported late: the recorders set TF_USE_LEGACY_KERAS first
    session.run(tf.compat.v1.global_variables_initializer())
    for variable in variables:
        variable.load(values[variable.op.name], session)


def record_all(out_dir, source, cases, record):
    """Runs `record(name, case, seed)` for every case (seeded by sorted order) and writes
    `manifest.json` with what each returns."""
    import json
    import tensorflow as tf
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"source": source, "tensorflow": tf.__version__, "cases": {}}
    for seed, (name, case) in enumerate(sorted(cases.items())):
        manifest["cases"][name] = record(name, case, seed)
        print("recorded", name, manifest["cases"][name]["variables"])
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
