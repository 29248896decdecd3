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


def record_layer_case(out_dir, name, case, seed, build):
    """Records one layer case: `build(x)` on a seeded input in a TF1 graph and Session.

    Writes `<name>.npz` with the input, the random variable values, the
    output, the gradients of a fixed random linear loss (trainable variables
    and input), the regularization losses and the non-trainable variables
    after the UPDATE_OPS ran; returns the case's manifest entry.
    """
    import tensorflow as tf
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        x_value = rng.normal(size=case["input"]).astype(case.get("input_dtype", "float32"))
        x = tf.constant(x_value)
        out = build(x)
        variables = tf.compat.v1.global_variables()
        trainable = tf.compat.v1.trainable_variables()
        loss_weights = rng.normal(size=out.shape.as_list()).astype(out.dtype.as_numpy_dtype)
        loss = tf.reduce_sum(out * loss_weights)
        differentiable = [x] if x.dtype.is_floating else []  # not integer ids
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                 for g in tf.gradients(loss, trainable + differentiable)]
        reg_losses = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
        updates = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS)
        values = random_values(variables, rng)
        with tf.compat.v1.Session(graph=graph) as session:
            load_values(session, variables, values)
            out_value, grad_values, reg_values = session.run([out, grads, reg_losses])
            session.run(updates)
            updated = {v.op.name: session.run(v) for v in variables if not v.trainable}
    arrays = {"input": x_value, "loss_weights": loss_weights, "output": out_value,
              "regularization_losses": np.array(reg_values, np.float32)}
    if differentiable:
        arrays["grad_input"] = grad_values[-1]
    for v in variables:
        arrays["var:" + v.op.name] = values[v.op.name]
    for v, g in zip(trainable, grad_values[:len(trainable)]):
        arrays["grad:" + v.op.name] = g
    for var_name, value in updated.items():
        arrays["updated:" + var_name] = value
    np.savez(out_dir / f"{name}.npz", **arrays)
    return {**case, "variables": [v.op.name for v in variables],
            "trainable": [v.op.name for v in trainable], "updated": sorted(updated)}
