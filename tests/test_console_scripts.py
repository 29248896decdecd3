"""The installed console scripts and the README's shipped example, run as a user runs them.

Each runs as a subprocess through the entry point `pip install` wrote next to
this Python (not an import of its module), on what the repository ships.
"""

import json
import pathlib
import subprocess
import sys

import pytest

from slow_marks import slow_beyond

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
GOLDEN = ROOT / "tests" / "goldens" / "slim_resnet" / "resnet_v1_small_inference"


def run(*command, timeout=600):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                            timeout=timeout, cwd=ROOT)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-3000:])
    return result.stdout


@pytest.fixture(scope="module")
def scripts():
    missing = [name for name in ("tf1track-inspect", "tf1track-load", "tf1track-parity",
                                 "tf1track-finetune") if not (BIN / name).exists()]
    assert not missing, f"console scripts not installed next to {sys.executable}: {missing}"
    return BIN


def test_readme_example_runs_and_shows_tf1_names_and_losses():
    out = run(sys.executable, ROOT / "examples" / "double_dense_layer.py")
    assert "double_dense_layer/dense_one/kernel" in out
    assert "after 3 epochs of fit" in out and "regularization losses" in out


def test_inspect_filter_lists_only_matching_variables(scripts):
    out = run(scripts / "tf1track-inspect", f"--checkpoint={GOLDEN / 'model.ckpt'}",
              "--filter=block2/unit_1")
    rows = [line.split()[0] for line in out.splitlines()[2:] if line.startswith("resnet_v1/")]
    assert len(rows) == 20  # conv1-3 and the projection shortcut, each weights + 4 BN variables
    assert all("block2/unit_1/" in name for name in rows)


def test_load_writes_a_tf2_checkpoint_and_a_saved_model(scripts, tmp_path):
    config = json.loads((GOLDEN / "meta.json").read_text())["config"]
    out = run(scripts / "tf1track-load", "--model=resnet_v1", f"--config={json.dumps(config)}",
              f"--checkpoint={GOLDEN / 'model.ckpt'}", f"--output_dir={tmp_path}")
    assert "SavedModel:" in out
    assert (tmp_path / "load_report.txt").is_file()
    assert any(tmp_path.rglob("saved_model.pb"))


def test_parity_passes_on_a_shipped_golden(scripts):
    out = run(scripts / "tf1track-parity", f"--golden={GOLDEN}")
    assert "all outputs match" in out and "regularization_loss" in out


def test_finetune_with_gin_bindings_trains_and_checkpoints(scripts, tmp_path):
    run(scripts / "tf1track-finetune", "--gin_file=configs/smoke/resnet_v1_tiny_synthetic.gin",
        f"--gin_bindings=finetune.output_dir = '{tmp_path / 'run'}'",
        f"--gin_bindings=generated_shapes.root_dir = '{tmp_path / 'data'}'",
        "--gin_bindings=finetune.steps = 2")
    assert any((tmp_path / "run").rglob("*.index"))
    assert (tmp_path / "run" / "config.gin").is_file()


@pytest.mark.slow
def test_the_demo_runs_end_to_end_with_a_visible_eval_gain(scripts, tmp_path):
    out = run(scripts / "tf1track-finetune", "--gin_file=demo.gin",
              f"--gin_bindings=finetune.output_dir = '{tmp_path / 'run'}'",
              f"--gin_bindings=generated_shapes.root_dir = '{tmp_path / 'data'}'")
    line = next(l for l in out.splitlines() if l.startswith("eval accuracy"))
    final, initial = (float(word) for word in line.replace(")", "").split()
                      if word.replace(".", "").isdigit() and "." in word)
    assert initial < 0.5 and final > 0.8, line
    assert "TensorBoard: tensorboard --logdir=" in out and "saved_model:" in out


@pytest.mark.parametrize("script", slow_beyond(2, ["tf1track-finetune", "tf1track-inspect",
                                                 "tf1track-load", "tf1track-parity"]))
def test_help_lists_the_binarys_own_flags_with_an_example_and_exits_0(scripts, script):
    result = subprocess.run([str(scripts / script), "--help"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"    {script} --" in result.stdout and "--[no]verbose" in result.stdout
    own = {"tf1track-inspect": "--filter", "tf1track-load": "--overwrite",
           "tf1track-parity": "--golden", "tf1track-finetune": "--strategy"}[script]
    assert own in result.stdout
    assert "oneDNN" not in result.stderr and "cudart" not in result.stderr


def test_inspect_refuses_a_missing_shard_and_truncated_data_in_one_line(scripts, tmp_path):
    import shutil  # pylint: disable=import-outside-toplevel
    for name in ("missing", "truncated"):
        (tmp_path / name).mkdir()
        for f in GOLDEN.glob("model.ckpt.*"):
            shutil.copy(f, tmp_path / name / f.name)
    (tmp_path / "missing" / "model.ckpt.data-00000-of-00001").unlink()
    data = tmp_path / "truncated" / "model.ckpt.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:-100])
    for name, expected in (("missing", "missing data shard"), ("truncated", "truncated")):
        result = subprocess.run([str(scripts / "tf1track-inspect"),
                                 f"--checkpoint={tmp_path / name / 'model.ckpt'}"],
                                capture_output=True, text=True, timeout=300)
        errors = [l for l in result.stderr.splitlines() if l.startswith("tf1track-inspect: error")]
        assert result.returncode == 1 and len(errors) == 1 and expected in errors[0], \
            result.stderr
    out = run(scripts / "tf1track-inspect", f"--checkpoint={GOLDEN / 'model.ckpt'}", "--verify")
    assert "every checksum verified" in out.splitlines()[-1]


def test_load_refuses_a_non_empty_output_dir_without_overwrite(scripts, tmp_path):
    config = json.loads((GOLDEN / "meta.json").read_text())["config"]
    command = [scripts / "tf1track-load", "--model=resnet_v1", f"--config={json.dumps(config)}",
               f"--checkpoint={GOLDEN / 'model.ckpt'}", f"--output_dir={tmp_path}"]
    (tmp_path / "notes.txt").write_text("mine")
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1 and "pass --overwrite" in result.stderr
    run(*command, "--overwrite")
    assert (tmp_path / "tf2_checkpoint").is_dir() and not (tmp_path / "notes.txt").exists()


def test_a_strict_failure_under_another_scope_suggests_the_assignment_map(scripts, tmp_path):
    config = json.loads((GOLDEN / "meta.json").read_text())["config"]
    result = subprocess.run(
        [str(scripts / "tf1track-load"), "--model=resnet_v1",
         f"--config={json.dumps(dict(config, scope='tower'))}",
         f"--checkpoint={GOLDEN / 'model.ckpt'}", f"--output_dir={tmp_path / 'out'}"],
        capture_output=True, text=True, timeout=300)
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    header = [l for l in lines if l.startswith("tf1track-load: error:")]
    problems = [l for l in lines if l.startswith("  missing") or l.startswith("  unexpected")]
    assert len(header) == 1 and "problems" in header[0] and len(problems) == 20
    assert any(l.strip().startswith("... and") for l in lines)
    assert """--assignment_map='{"resnet_v1/": "tower/"}'""" in result.stderr
