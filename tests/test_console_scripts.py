"""The installed console scripts and the README's shipped example, run as a user runs them.

Each runs as a subprocess through the entry point `pip install` wrote next to
this Python (not an import of its module), on what the repository ships.
"""

import json
import pathlib
import subprocess
import sys

import pytest

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
        f"--gin_bindings=finetune.output_dir = '{tmp_path}'", "--gin_bindings=finetune.steps = 2")
    assert any(tmp_path.rglob("*.index")) and (tmp_path / "config.gin").is_file()
