"""Golden directories: recorded TF1 outputs, and checking a port against them.

A golden directory (DESIGN.md) holds a TF1 `Saver` checkpoint `model.ckpt`,
`inputs.npz` (fed to the TF1 graph), `outputs.npz` (fetched from it) and
`meta.json` (`model`, `config`, `call`, `inputs`, `atol`, `rtol`,
`tensorflow`, `source`). `record_tf1_golden` writes one from TF1 graph-mode
code run in a `tf.compat.v1.Session`; `check_parity` loads its checkpoint
into a port, runs it on the inputs and compares every output.

An output passes when `|port - tf1| <= atol + rtol * |tf1|` elementwise. One
`atol` cannot suit outputs of very different scales (softmax predictions
near 1, deep block activations in the thousands), so meta.json may also hold
`output_atol`, `{output name: atol}`, which takes precedence for those
outputs; `record_tf1_golden(..., atol_from_scale=f)` writes `f` times each
output's largest magnitude there (and the smallest of them as `atol`, so a
reader that knows only `atol` is stricter, never looser).

A golden recorded with `record_state=True` also holds, in outputs.npz, the
TF1 state a training step leaves: `regularization_loss` (the sum of the
graph's REGULARIZATION_LOSSES, e.g. slim's weight decay) and
`updated:<variable>` (each non-trainable variable, e.g. a batch-norm moving
mean, after the step's UPDATE_OPS ran). `check_parity` compares them with the
port's `regularization_losses` and its variables after the call.
"""

import dataclasses
import json
import math
import pathlib

import numpy as np
import tensorflow as tf

from checkpoints_tools.loader import load_tf1_checkpoint

v1 = tf.compat.v1

GOLDEN_FILES = ("meta.json", "inputs.npz", "outputs.npz", "model.ckpt.index")
REGULARIZATION_OUTPUT = "regularization_loss"
UPDATED_PREFIX = "updated:"
META_KEYS = ("model", "config", "call", "inputs", "atol", "rtol")


class GoldenError(ValueError):
    """A golden directory that is missing, incomplete or malformed."""


@dataclasses.dataclass
class Golden:
    """A golden directory read into memory (the checkpoint stays on disk)."""

    directory: pathlib.Path
    meta: dict
    inputs: dict
    outputs: dict

    @property
    def checkpoint(self):
        """The prefix of the golden's TF1 checkpoint."""
        return str(self.directory / "model.ckpt")

    def call_args(self):
        """The inputs in call order, as tensors."""
        return [tf.constant(self.inputs[name]) for name in self.meta["inputs"]]


@dataclasses.dataclass(frozen=True)
class ParityRow:
    """One output compared: expected shape, errors, and whether it is within tolerance."""

    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    passed: bool
    note: str = ""
    atol: float = 0.0


@dataclasses.dataclass
class ParityReport:
    """Every output of a golden compared with the port's."""

    golden: str
    atol: float
    rtol: float
    rows: list

    @property
    def passed(self):
        """True when every output passed."""
        return bool(self.rows) and all(row.passed for row in self.rows)

    def table(self):
        """The comparison as an aligned text table."""
        width = max([len("output")] + [len(r.name) for r in self.rows])
        lines = [f"{'output':{width}s}  {'shape':18s} {'max abs err':>12s} {'max rel err':>12s} "
                 f"{'atol':>10s}  pass",
                 f"{'-' * width}  {'-' * 18} {'-' * 12} {'-' * 12} {'-' * 10}  ----"]
        for r in self.rows:
            lines.append(f"{r.name:{width}s}  {str(r.shape):18s} {r.max_abs_error:12.3e} "
                         f"{r.max_rel_error:12.3e} {r.atol:10.3g}  {'yes' if r.passed else 'NO'}"
                         + (f"  ({r.note})" if r.note else ""))
        lines.append(f"atol={self.atol:g} (unless given per output) rtol={self.rtol:g}: "
                     + ("all outputs match" if self.passed else "MISMATCH"))
        return "\n".join(lines)


def read_golden(golden_dir):
    """Reads and validates a golden directory (npz files without pickle).

    Raises:
      GoldenError: naming the directory and the file or key at fault.
    """
    directory = pathlib.Path(golden_dir)
    if not directory.is_dir():
        raise GoldenError(f"{directory}: no such golden directory.")
    for name in GOLDEN_FILES:
        if not (directory / name).is_file():
            raise GoldenError(f"{directory}: golden is missing {name}.")
    try:
        meta = json.loads((directory / "meta.json").read_text())
    except json.JSONDecodeError as error:
        raise GoldenError(f"{directory / 'meta.json'}: not valid JSON ({error}).") from None
    missing = [key for key in META_KEYS if key not in meta]
    if missing:
        raise GoldenError(f"{directory / 'meta.json'}: missing keys {', '.join(missing)}.")
    inputs = _read_npz(directory / "inputs.npz")
    outputs = _read_npz(directory / "outputs.npz")
    absent = [name for name in meta["inputs"] if name not in inputs]
    if absent:
        raise GoldenError(f"{directory / 'inputs.npz'}: no array for input(s) {', '.join(absent)} "
                          "listed in meta.json.")
    _check_output_atol(directory / "meta.json", meta.get("output_atol", {}), outputs)
    return Golden(directory, meta, inputs, outputs)


def _finite_scale(value):
    """The largest finite magnitude in `value` (0 if none: -inf masks are no scale)."""
    finite = np.abs(value[np.isfinite(value)]) if value.dtype.kind in "fc" else np.abs(value)
    return float(finite.max()) if finite.size else 0.0


def _check_output_atol(path, output_atol, outputs):
    if not isinstance(output_atol, dict):
        raise GoldenError(f"{path}: output_atol must map output names to numbers.")
    for name, value in output_atol.items():
        if name not in outputs:
            raise GoldenError(f"{path}: output_atol names {name!r}, which outputs.npz lacks.")
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value < 0):
            raise GoldenError(f"{path}: output_atol[{name!r}] must be a finite number >= 0, "
                              f"got {value!r}.")


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise GoldenError(f"{path}: holds object arrays that need pickle; goldens must hold "
                              "numeric arrays only.") from None
        raise GoldenError(f"{path}: not a readable .npz file ({error}).") from None
    except (OSError, EOFError) as error:
        raise GoldenError(f"{path}: not a readable .npz file ({error}).") from None


def check_parity(layer, golden_dir):
    """Loads a golden's checkpoint into `layer` strictly, runs it, compares outputs.

    `layer` is the port, built with the golden's config (`zoo.build(meta["model"],
    **meta["config"])`). It is called once to create its variables, loaded by
    TF1 name (nothing may be missing or unexpected), then called on the
    inputs with `meta["call"]`. A layer returning one tensor is compared
    with the output named `logits`; a dict, key by key.

    Returns:
      A `ParityReport` (one row per recorded output).
    """
    golden = read_golden(golden_dir)
    args, call = golden.call_args(), dict(golden.meta["call"])
    layer(*args, **call)  # create the variables
    load_tf1_checkpoint(layer, golden.checkpoint, strict=True)
    result = layer(*args, **call)
    if not isinstance(result, dict):
        result = {"logits": result}
    result = dict(result, **_tf1_state(layer, golden.outputs))
    atol, rtol = float(golden.meta["atol"]), float(golden.meta["rtol"])
    output_atol = golden.meta.get("output_atol", {})
    rows = [_compare(name, expected, result.get(name), float(output_atol.get(name, atol)), rtol)
            for name, expected in sorted(golden.outputs.items())]
    return ParityReport(str(golden.directory), atol, rtol, rows)


def _tf1_state(layer, outputs):
    """The port's regularization loss and updated variables, where the golden holds them."""
    from tf1track_core import regularization_losses, tf1_variables  # pylint: disable=import-outside-toplevel
    state = {}
    if REGULARIZATION_OUTPUT in outputs:
        losses = regularization_losses(layer)
        state[REGULARIZATION_OUTPUT] = float(tf.add_n(losses)) if losses else 0.0
    variables = tf1_variables(layer)
    for name in outputs:
        if name.startswith(UPDATED_PREFIX) and name[len(UPDATED_PREFIX):] in variables:
            state[name] = variables[name[len(UPDATED_PREFIX):]].numpy()
    return state


def _compare(name, expected, actual, atol, rtol):
    if actual is None:
        return ParityRow(name, expected.shape, float("inf"), float("inf"), False,
                         "the port returned no such output", atol)
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return ParityRow(name, expected.shape, float("inf"), float("inf"), False,
                         f"port shape {actual.shape}", atol)
    if expected.size == 0:
        return ParityRow(name, expected.shape, 0.0, 0.0, True, atol=atol)
    actual, expected = actual.astype(np.float64), expected.astype(np.float64)
    with np.errstate(invalid="ignore"):
        # Equal values match, the same infinities (masked logits) and NaNs included.
        same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
        diff = np.where(same, 0.0, np.abs(actual - expected))
    diff = np.where(np.isnan(diff), np.inf, diff)  # a NaN on one side only
    scale = np.where(np.isfinite(expected), np.abs(expected), 0.0)
    rel = diff / np.maximum(scale, np.finfo(np.float64).tiny)
    passed = bool(np.all(diff <= atol + rtol * scale))
    return ParityRow(name, expected.shape, float(diff.max()), float(rel.max()), passed, atol=atol)


def record_tf1_golden(output_dir, build_fn, inputs, *, model, config, source, call=None,
                      atol=1e-5, rtol=1e-5, atol_from_scale=None, randomize_seed=None,
                      initialize=None, record_state=False):
    """Runs TF1 graph-mode code in a Session and writes a golden directory.

    Args:
      output_dir: the golden directory to write (created).
      build_fn: TF1 code: `build_fn(**input_tensors)` returns the output
        tensor (saved as `logits`) or a dict of output tensors; it runs in a
        fresh `tf.Graph`, where `input_tensors` are placeholders.
      inputs: `{name: array}`, in call order of the port.
      model, config, call: the port's registry name, `zoo.build` kwargs and
        extra call kwargs, written to meta.json.
      source: what TF1 code produced the golden (for meta.json).
      atol, rtol: the tolerance the port must meet.
      atol_from_scale: if set, each output's atol is this fraction of its
        largest magnitude (`output_atol` in meta.json; `atol` becomes the
        smallest of them), for outputs whose scales differ widely.
      randomize_seed: if set, every variable is set to seeded random values
        (variances positive) after initialisation, so nothing is trivial.
      initialize: optional `initialize(session)` run after that.
      record_state: also record `regularization_loss` and, if the graph has
        UPDATE_OPS, every non-trainable variable after they ran
        (`updated:<name>`), as one TF1 training step leaves them.

    Returns:
      The golden directory as a `pathlib.Path`.
    """
    directory = pathlib.Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    inputs = {name: np.asarray(value) for name, value in inputs.items()}
    graph = tf.Graph()
    with graph.as_default():
        placeholders = {name: v1.placeholder(tf.as_dtype(value.dtype), value.shape, name=name)
                        for name, value in inputs.items()}
        outputs = build_fn(**placeholders)
        if not isinstance(outputs, dict):
            outputs = {"logits": outputs}
        variables = v1.global_variables()
        # Relative paths in the `checkpoint` state file: a golden stays valid
        # wherever its directory is copied or cloned.
        saver = v1.train.Saver(variables, save_relative_paths=True)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            if randomize_seed is not None:
                _randomize(session, variables, np.random.default_rng(randomize_seed))
            if initialize is not None:
                initialize(session)
            saver.save(session, str(directory / "model.ckpt"), write_meta_graph=False)
            feed = {placeholders[name]: value for name, value in inputs.items()}
            if record_state:
                outputs = dict(outputs)
                losses = v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES)
                outputs[REGULARIZATION_OUTPUT] = tf.add_n(losses) if losses else tf.constant(0.0)
                updates = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
                values, _ = session.run([outputs, updates], feed_dict=feed)
                if updates:
                    values.update({UPDATED_PREFIX + v.op.name: session.run(v)
                                   for v in variables if not v.trainable})
            else:
                values = session.run(outputs, feed_dict=feed)
    np.savez(directory / "inputs.npz", **inputs)
    values = {k: np.asarray(v) for k, v in values.items()}
    np.savez(directory / "outputs.npz", **values)
    meta = {"model": model, "config": config, "call": call or {}, "inputs": list(inputs),
            "atol": atol, "rtol": rtol, "tensorflow": tf.__version__, "source": source}
    if atol_from_scale is not None:
        meta["output_atol"] = {name: max(atol, atol_from_scale * _finite_scale(value))
                               for name, value in values.items()}
        meta["atol"] = min(meta["output_atol"].values())
    (directory / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return directory


def _randomize(session, variables, rng):
    for variable in variables:
        if not variable.dtype.base_dtype.is_floating:
            continue
        value = rng.normal(size=variable.shape.as_list()).astype(variable.dtype.base_dtype.as_numpy_dtype)
        if "variance" in variable.op.name:
            value = np.abs(value) + 0.5  # a variance must be positive
        variable.load(value, session)

