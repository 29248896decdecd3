"""Goldens, conversion to TF2 and back to TF1, and the three binaries."""

import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
import zoo
from checkpoints_tools import (GoldenError, check_parity, export_tf2, list_tf1_checkpoint,
                               load_tf1_checkpoint, read_golden, record_tf1_golden,
                               run_saved_model, save_tf1_checkpoint)
from checkpoints_tools.cli.inspect import inspect_checkpoint
from checkpoints_tools.cli.load import load_and_convert
from checkpoints_tools.cli.parity import check_golden
from fixture_paths import tf1_real
from slow_marks import slow_beyond
from tf1_checkpoints import write_tf1_checkpoint
from tiny_zoo_model import MODEL_NAME, tf1_forward

v1 = tf.compat.v1
TESTS_DIR = pathlib.Path(__file__).parent
FEATURES = np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32)


def record_tiny_golden(directory, training=False):
    return record_tf1_golden(
        directory, lambda features: tf1_forward(features, training=training),
        {"features": FEATURES}, model=MODEL_NAME, config={"num_classes": 3, "hidden": 5},
        call={"training": training}, source="tests/tiny_zoo_model.py tf1_forward (TF core graph)",
        randomize_seed=1)


@pytest.mark.parametrize("training", [False, True])
def test_recorded_golden_format_and_parity(tmp_path, training):
    golden_dir = record_tiny_golden(tmp_path / "golden", training)
    assert sorted(os.listdir(golden_dir)) == sorted([
        "checkpoint", "inputs.npz", "meta.json", "model.ckpt.data-00000-of-00001",
        "model.ckpt.index", "outputs.npz"])
    meta = json.loads((golden_dir / "meta.json").read_text())
    assert meta["inputs"] == ["features"] and meta["call"] == {"training": training}
    assert meta["tensorflow"] == tf.__version__
    report = check_parity(zoo.build(MODEL_NAME, num_classes=3, hidden=5), golden_dir)
    assert report.passed, report.table()
    [row] = report.rows
    assert row.name == "logits" and row.shape == (4, 3) and row.max_abs_error < 1e-5


def test_golden_with_altered_outputs_fails(tmp_path):
    golden_dir = record_tiny_golden(tmp_path / "golden")
    outputs = dict(np.load(golden_dir / "outputs.npz"))
    outputs["logits"][0, 0] += 0.01
    np.savez(golden_dir / "outputs.npz", **outputs)
    report = check_parity(zoo.build(MODEL_NAME), golden_dir)
    assert not report.passed
    assert report.rows[0].max_abs_error == pytest.approx(0.01, rel=1e-3)
    assert "MISMATCH" in report.table()


def test_per_output_atol_from_scale(tmp_path):
    """Outputs of different scales each get 1e-4 of their own scale; atol is the strictest."""
    def logits_and_big(features):
        logits = tf1_forward(features)
        return {"logits": logits, "big": 1000.0 * logits}

    golden_dir = record_tf1_golden(
        tmp_path / "golden", logits_and_big, {"features": FEATURES}, model=MODEL_NAME, config={"num_classes": 3, "hidden": 5},
        source="test", randomize_seed=1, atol_from_scale=1e-4, rtol=0.0)
    meta = read_golden(golden_dir).meta
    outputs = dict(np.load(golden_dir / "outputs.npz"))
    assert meta["output_atol"]["big"] == pytest.approx(1e-4 * np.abs(outputs["big"]).max())
    assert meta["atol"] == pytest.approx(meta["output_atol"]["logits"])
    # Off by half the big output's tolerance: passes there, would fail with `atol`.
    outputs["big"][0, 0] += 0.5 * meta["output_atol"]["big"]
    outputs["logits"] = outputs["logits"] + 0.5 * meta["output_atol"]["logits"]
    np.savez(golden_dir / "outputs.npz", **outputs)

    class Both(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.tiny = zoo.build(MODEL_NAME, num_classes=3, hidden=5)

        def call(self, features):
            logits = self.tiny(features)
            return {"logits": logits, "big": 1000.0 * logits}

    report = check_parity(Both(), golden_dir)
    assert report.passed, report.table()
    assert [row.atol for row in report.rows] == [meta["output_atol"]["big"],
                                                 meta["output_atol"]["logits"]]
    per_output = meta.pop("output_atol")
    (golden_dir / "meta.json").write_text(json.dumps(meta))
    assert not check_parity(Both(), golden_dir).passed  # one atol: too strict for "big"
    meta["output_atol"] = dict(per_output, nonexistent=1.0)
    (golden_dir / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(GoldenError, match="output_atol names 'nonexistent'"):
        read_golden(golden_dir)


def test_masked_and_all_zero_outputs_get_finite_tolerances_and_compare(tmp_path):
    def outputs(features):
        logits = tf1_forward(features)
        return {"logits": logits, "zeros": tf.zeros_like(logits),
                "masked": tf.where(logits > 0, logits, float("-inf"))}

    golden_dir = record_tf1_golden(
        tmp_path / "golden", outputs, {"features": FEATURES}, model=MODEL_NAME,
        config={"num_classes": 3, "hidden": 5}, source="test", randomize_seed=1,
        atol=1e-6, atol_from_scale=1e-4)
    meta = read_golden(golden_dir).meta
    assert meta["output_atol"]["zeros"] == 1e-6 == meta["atol"]  # never 0: the atol floor
    recorded = dict(np.load(golden_dir / "outputs.npz"))
    assert np.isneginf(recorded["masked"]).any()
    assert meta["output_atol"]["masked"] == pytest.approx(
        1e-4 * np.abs(recorded["masked"][np.isfinite(recorded["masked"])]).max())

    class Masked(keras.layers.Layer):
        def __init__(self, broken=False):
            super().__init__()
            self.tiny, self.broken = zoo.build(MODEL_NAME, num_classes=3, hidden=5), broken

        def call(self, features):
            logits = self.tiny(features)
            masked = tf.where(logits > 0, logits, float("-inf"))
            if self.broken:  # one masked entry comes out finite
                masked = tf.tensor_scatter_nd_update(
                    masked, [tf.cast(tf.where(tf.math.is_inf(masked))[0], tf.int32)], [0.0])
            return {"logits": logits, "zeros": tf.zeros_like(logits), "masked": masked}

    assert check_parity(Masked(), golden_dir).passed
    report = check_parity(Masked(broken=True), golden_dir)
    assert [row.name for row in report.rows if not row.passed] == ["masked"]
    meta["output_atol"]["masked"] = float("inf")
    (golden_dir / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(GoldenError, match=r"output_atol\['masked'\] must be a finite number"):
        read_golden(golden_dir)


def test_golden_npz_that_needs_pickle_is_refused(tmp_path):
    golden_dir = record_tiny_golden(tmp_path / "golden")
    np.savez(golden_dir / "outputs.npz", logits=np.array([{"a": 1}], dtype=object))
    with pytest.raises(GoldenError, match="outputs.npz: holds object arrays that need pickle"):
        read_golden(golden_dir)


def test_incomplete_golden_names_the_missing_file(tmp_path):
    golden_dir = record_tiny_golden(tmp_path / "golden")
    os.remove(golden_dir / "inputs.npz")
    with pytest.raises(GoldenError, match="golden is missing inputs.npz"):
        read_golden(golden_dir)


def trained_tiny_model():
    model = zoo.build(MODEL_NAME)
    inputs = model.example_inputs()
    model(*inputs.values())
    rng = np.random.default_rng(5)
    for variable in tf1track_core.tf1_variables(model).values():
        variable.assign(np.abs(rng.normal(size=variable.shape)).astype(np.float32) + 0.1)
    return model, inputs


def test_export_tf2_checkpoint_and_saved_model(tmp_path):
    model, inputs = trained_tiny_model()
    expected = model(*inputs.values()).numpy()
    checkpoint_path, saved_model_dir = export_tf2(model, tmp_path, inputs)
    served = run_saved_model(saved_model_dir, inputs)
    np.testing.assert_allclose(served["output"], expected, rtol=1e-6)
    batch_of_one = {"features": inputs["features"][:1]}
    np.testing.assert_allclose(run_saved_model(saved_model_dir, batch_of_one)["output"],
                               expected[:1], rtol=1e-6)
    fresh = zoo.build(MODEL_NAME)
    fresh(*inputs.values())
    tf.train.Checkpoint(model=fresh).read(checkpoint_path).assert_existing_objects_matched()
    np.testing.assert_allclose(fresh(*inputs.values()).numpy(), expected, rtol=1e-6)


def test_tf1_checkpoint_written_back_restores_in_a_tf1_graph_by_name(tmp_path):
    model, inputs = trained_tiny_model()
    expected = model(*inputs.values()).numpy()
    prefix = save_tf1_checkpoint(model, tmp_path / "tf1" / "model.ckpt")
    assert tf.train.latest_checkpoint(str(tmp_path / "tf1")) == prefix
    graph = tf.Graph()
    with graph.as_default():
        logits = tf1_forward(tf.constant(inputs["features"]))
        saver = v1.train.Saver()  # TF1's own restore, by the original names
        with v1.Session(graph=graph) as session:
            saver.restore(session, prefix)
            np.testing.assert_allclose(session.run(logits), expected, rtol=1e-5, atol=1e-6)


def test_partitioned_variables_are_written_whole(tmp_path):
    table = np.arange(12, dtype=np.float32).reshape(6, 2)

    class Table(tf.Module):
        @tf1track_core.track_tf1_style_variables
        def __call__(self):
            return v1.get_variable("emb", initializer=table,
                                   partitioner=v1.fixed_size_partitioner(3))

    module = Table()
    module()
    prefix = save_tf1_checkpoint(module, tmp_path / "model.ckpt")
    assert list_tf1_checkpoint(prefix) == [("emb", (6, 2), tf.float32)]
    np.testing.assert_array_equal(tf.train.load_checkpoint(prefix).get_tensor("emb"), table)


def test_load_binary_function_loads_reports_and_exports(tmp_path):
    source, inputs = trained_tiny_model()
    prefix = save_tf1_checkpoint(source, tmp_path / "tf1" / "model.ckpt")
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    report = load_and_convert(model=MODEL_NAME, config={}, checkpoint=prefix,
                              output_dir=tmp_path / "out", out=Out())
    assert report.ok and len(report.loaded) == 8
    assert (tmp_path / "out" / "load_report.txt").read_text().startswith("Loaded 8 variables")
    served = run_saved_model(tmp_path / "out" / "saved_model", inputs)
    np.testing.assert_allclose(served["output"], source(*inputs.values()).numpy(), rtol=1e-6)


def test_inspect_lists_names_shapes_sizes_and_totals(capsys):
    count = inspect_checkpoint(checkpoint=str(tf1_real("t2t_transformer_test_ckpt")),
                               name_filter="encoder/layer_0/ffn", with_training_state=False)
    text = capsys.readouterr().out
    assert count == 6
    row = next(line for line in text.splitlines() if "ffn/conv1/kernel" in line)
    assert row.split() == ["transformer/body/encoder/layer_0/ffn/conv1/kernel", "[16,", "8]",
                           "float32", "128", "512", "B"]
    assert "weights: 6 tensors, 312 parameters, 1.2 KiB" in text  # 8+128+16+128+16+16 floats
    assert "data files" in text.splitlines()[-1]


# --- the console scripts: exit codes and one-line errors --------------------------------------

def run_binary(module, *args):
    """Runs a binary in a fresh Python that has the tiny test model registered."""
    code = ("import sys; sys.path.insert(0, %r); import tiny_zoo_model; "
            "from checkpoints_tools.cli.%s import run; sys.argv = sys.argv[:1] + %r; run()"
            % (str(TESTS_DIR), module, list(args)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    return result.returncode, result.stdout, result.stderr


def our_error_lines(stderr, program):
    return [line for line in stderr.splitlines() if line.startswith(f"{program}: error:")]


def test_parity_binary_passes_then_fails_on_altered_outputs(tmp_path):
    golden_dir = record_tiny_golden(tmp_path / "golden")
    code, out, _ = run_binary("parity", f"--golden={golden_dir}")
    assert code == 0 and "all outputs match" in out and "logits" in out
    outputs = dict(np.load(golden_dir / "outputs.npz"))
    outputs["logits"] = outputs["logits"] + 1.0
    np.savez(golden_dir / "outputs.npz", **outputs)
    code, out, _ = run_binary("parity", f"--golden={golden_dir}")
    assert code == 1 and "MISMATCH" in out


@pytest.mark.parametrize("case", slow_beyond(2, ["missing_golden", "pickle_npz", "unknown_model"]))
def test_parity_binary_user_errors_are_one_line_and_non_zero(tmp_path, case):
    golden_dir = record_tiny_golden(tmp_path / "golden")
    expected = {"missing_golden": "no such golden directory",
                "pickle_npz": "need pickle",
                "unknown_model": "unknown zoo model 'no_such_model'"}[case]
    if case == "missing_golden":
        golden_dir = tmp_path / "absent"
    elif case == "pickle_npz":
        np.savez(golden_dir / "inputs.npz", features=np.array([object()], dtype=object))
    else:
        meta = json.loads((golden_dir / "meta.json").read_text())
        meta["model"] = "no_such_model"
        (golden_dir / "meta.json").write_text(json.dumps(meta))
    code, _, err = run_binary("parity", f"--golden={golden_dir}")
    lines = our_error_lines(err, "tf1track-parity")
    assert code == 2 and len(lines) == 1 and expected in lines[0], err  # 1 is a mismatch
    assert "Traceback" not in err


def test_load_binary_strict_failure_is_one_line_and_writes_nothing(tmp_path):
    prefix = write_tf1_checkpoint(tmp_path / "ckpt" / "model.ckpt",
                                  {"tiny_mlp/hidden/kernel": np.ones([4, 7], np.float32)})
    code, _, err = run_binary("load", f"--model={MODEL_NAME}", f"--checkpoint={prefix}",
                              f"--output_dir={tmp_path / 'out'}", '--config={"hidden": 5}')
    lines = our_error_lines(err, "tf1track-load")
    assert code != 0 and len(lines) == 1 and "Traceback" not in err
    problems = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert "mismatched: tiny_mlp/hidden/kernel: model (4, 5) float32, checkpoint " \
        "tiny_mlp/hidden/kernel (4, 7) float32" in problems
    assert any(p.startswith("missing from the checkpoint: ") for p in problems)
    assert not (tmp_path / "out").exists()


def tiny_checkpoint_with(tmp_path, fault):
    """A full TF1 checkpoint of the tiny model, then damaged as `fault` says."""
    model, _ = trained_tiny_model()
    prefix = save_tf1_checkpoint(model, tmp_path / "ckpt" / "model.ckpt")
    values = {name: tf.train.load_checkpoint(prefix).get_tensor(name)
              for name, _, _ in list_tf1_checkpoint(prefix)}
    data = prefix + ".data-00000-of-00001"
    if fault == "missing_path":
        return str(tmp_path / "absent" / "model.ckpt")
    if fault == "truncated_data":
        with open(data, "r+b") as handle:
            handle.truncate(os.path.getsize(data) - 8)
    elif fault == "garbage_index":
        pathlib.Path(prefix + ".index").write_bytes(b"not an sstable" * 8)
    elif fault == "missing_name":
        del values["tiny_mlp/bn/gamma"]
    elif fault == "shape_mismatch":
        values["tiny_mlp/logits/bias"] = np.zeros([4], np.float32)
    elif fault == "dtype_mismatch":
        values["tiny_mlp/logits/bias"] = values["tiny_mlp/logits/bias"].astype(np.float64)
    if fault in ("missing_name", "shape_mismatch", "dtype_mismatch"):
        prefix = write_tf1_checkpoint(tmp_path / "rewritten" / "model.ckpt", values)
    return prefix


@pytest.mark.parametrize("fault, expected", slow_beyond(3, [
    ("missing_path", "absent/model.ckpt: no such checkpoint"),
    ("truncated_data", "the data file is truncated or corrupt"),
    ("garbage_index", "not a readable TF checkpoint"),
    ("missing_name", "missing from the checkpoint: tiny_mlp/bn/gamma"),
    ("shape_mismatch", "tiny_mlp/logits/bias: model (3,) float32, checkpoint "
                       "tiny_mlp/logits/bias (4,) float32"),
    ("dtype_mismatch", "tiny_mlp/logits/bias: model (3,) float32, checkpoint "
                       "tiny_mlp/logits/bias (3,) float64"),
]))
def test_load_binary_bad_checkpoints_are_one_line_non_zero_and_write_nothing(
        tmp_path, fault, expected):
    prefix = tiny_checkpoint_with(tmp_path, fault)
    code, _, err = run_binary("load", f"--model={MODEL_NAME}", f"--checkpoint={prefix}",
                              f"--output_dir={tmp_path / 'out'}")
    lines = our_error_lines(err, "tf1track-load")
    assert code != 0 and len(lines) == 1 and "Traceback" not in err, err
    assert expected in " ".join(err.split())
    assert not (tmp_path / "out").exists()


def test_load_binary_bad_config_and_inspect_bad_path(tmp_path):
    code, _, err = run_binary("load", f"--model={MODEL_NAME}", "--checkpoint=x",
                              f"--output_dir={tmp_path}", "--config={not json")
    assert code != 0 and "--config: inline value is not valid JSON" in err
    code, _, err = run_binary("inspect", f"--checkpoint={tmp_path / 'nothing'}")
    lines = our_error_lines(err, "tf1track-inspect")
    assert code != 0 and len(lines) == 1 and "no such checkpoint" in lines[0]
