"""tf1track-finetune: gin-configured fine-tuning from a TF1 checkpoint, resuming, outputs."""

import pathlib
import subprocess
import sys

import gin
import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
import zoo
from checkpoints_tools import list_tf1_checkpoint, read_golden
from checkpoints_tools.finetuning import finetune

ROOT = pathlib.Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke" / "resnet_v1_tiny_synthetic.gin"
SLIM_GOLDEN = ROOT / "tests" / "goldens" / "slim_resnet" / "resnet_v1_small_inference"


@pytest.fixture
def gin_config():
    gin.clear_config()
    gin.add_config_file_search_path(str(ROOT))
    yield gin
    gin.clear_config()


def test_smoke_config_trains_writes_and_resumes(tmp_path, gin_config):
    gin_config.parse_config_files_and_bindings([str(SMOKE)],
                                               [f'finetune.output_dir = "{tmp_path}"'])
    first = finetune()
    assert len(first["loss"]) == 1 and np.isfinite(first["loss"][0])
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-1")
    tf1_names = [name for name, _, _ in list_tf1_checkpoint(tmp_path / "tf1" / "model.ckpt")]
    assert "resnet_v1/block1/unit_1/bottleneck_v1/conv1/weights" in tf1_names
    assert "resnet_v1/logits/biases" in tf1_names
    assert "finetune.steps = 3" in (tmp_path / "config.gin").read_text()
    finetune()  # resumes from ckpt-1
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-2")
    reader = tf.train.load_checkpoint(str(tmp_path))
    iterations = [n for n in reader.get_variable_to_shape_map() if "iteration" in n]
    assert iterations and int(reader.get_tensor(iterations[0])) == 6  # 3 + 3 steps


def test_initialises_from_a_tf1_checkpoint_with_a_new_head(tmp_path, gin_config):
    golden = read_golden(SLIM_GOLDEN)  # a TF1 checkpoint of resnet_v1 with 5 classes
    blocks = golden.meta["config"]["blocks"]
    gin_config.parse_config_files_and_bindings([str(SMOKE)], [
        f'finetune.output_dir = "{tmp_path}"',
        f'finetune.model_config = {{"blocks": {blocks}, "num_classes": 3}}',
        f'finetune.tf1_checkpoint = "{golden.checkpoint}"',
        'finetune.skip = ["^resnet_v1/logits/"]',
        "synthetic_images.num_classes = 3",
        "finetune.learning_rate = 0.0",  # so the loaded weights can be compared after
        "finetune.steps = 1",
    ])
    finetune()
    written = tf.train.load_checkpoint(str(tmp_path / "tf1" / "model.ckpt"))
    original = tf.train.load_checkpoint(golden.checkpoint)
    name = "resnet_v1/block2/unit_1/bottleneck_v1/conv2/weights"
    np.testing.assert_array_equal(written.get_tensor(name), original.get_tensor(name))
    assert written.get_tensor("resnet_v1/logits/weights").shape == (1, 1, 32, 3)


def test_binary_reports_an_unbound_required_value_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "checkpoints_tools.cli.finetune", f"--gin_file={SMOKE}"],
        capture_output=True, text=True, timeout=300)
    lines = [l for l in result.stderr.splitlines() if l.startswith("tf1track-finetune: error:")]
    assert result.returncode != 0 and len(lines) == 1 and "Traceback" not in result.stderr
    assert "finetune.output_dir" in lines[0]
