"""zoo's TF-Slim ResNets against goldens recorded from the real tf-slim 1.1.0 nets.

The goldens (tests/goldens/slim_resnet/, recorded by
tests/goldens/record_slim_resnet_goldens.py in TF1 graph mode with every
variable random) hold logits, block end points and predictions; the ports
load each golden's checkpoint strictly by name and must match within 1e-4 of
the output scale, in inference and training mode.
"""

import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
import zoo
from slow_marks import slow_beyond
from checkpoints_tools import check_parity, load_tf1_checkpoint, read_golden
from zoo.slim import vgg_preprocessing

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "slim_resnet"
GOLDEN_DIRS = sorted(p for p in GOLDENS.iterdir() if p.is_dir())


@pytest.mark.parametrize("golden_dir", GOLDEN_DIRS, ids=lambda p: p.name)
def test_matches_tf_slim(golden_dir):
    meta = read_golden(golden_dir).meta
    report = check_parity(zoo.build(meta["model"], **meta["config"]), golden_dir)
    assert report.passed, report.table()
    assert len(report.rows) >= 4  # logits and the block end points at least


# test_matches_tf_slim checks every golden in process; the binary needs one by default.
@pytest.mark.parametrize("golden_dir", slow_beyond(1, GOLDEN_DIRS, ids=[p.name for p in GOLDEN_DIRS]))
def test_parity_binary_passes_on_each_slim_golden(golden_dir):
    result = subprocess.run([sys.executable, "-m", "checkpoints_tools.cli.parity",
                             f"--golden={golden_dir}"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "all outputs match" in result.stdout and "/block3" in result.stdout


def test_resnet_v1_50_names_and_end_points():
    model = zoo.build("resnet_v1_50")
    out = model(np.zeros([1, 64, 64, 3], np.float32), return_end_points=True)
    names = list(tf1track_core.tf1_variables(model))
    assert len(names) == 267
    assert names[:2] == ["resnet_v1_50/conv1/weights", "resnet_v1_50/conv1/BatchNorm/gamma"]
    assert "resnet_v1_50/block1/unit_3/bottleneck_v1/conv2/BatchNorm/moving_variance" in names
    assert names[-2:] == ["resnet_v1_50/logits/weights", "resnet_v1_50/logits/biases"]
    assert out["logits"].shape == (1, 1000)  # spatial_squeeze=True by default
    assert out["resnet_v1_50/spatial_squeeze"].shape == (1, 1000)
    assert out["resnet_v1_50/logits"].shape == (1, 1, 1, 1000)
    assert out["resnet_v1_50/block4"].shape == (1, 2, 2, 2048)
    np.testing.assert_allclose(tf.reduce_sum(out["predictions"], -1).numpy(), [1.0], rtol=1e-5)


def test_store_non_strided_activations_and_output_stride():
    blocks = [["block1", 4, 2, 2], ["block2", 8, 2, 2], ["block3", 8, 1, 1]]
    plain = zoo.build("resnet_v1", blocks=blocks, num_classes=None, global_pool=False)
    stored = zoo.build("resnet_v1", blocks=blocks, num_classes=None, global_pool=False,
                       store_non_strided_activations=True)
    x = tf.random.uniform([1, 64, 64, 3], seed=1)
    plain_out = plain(x, return_end_points=True)
    stored_out = stored(x, return_end_points=True)
    assert plain_out["resnet_v1/block1"].shape == (1, 8, 8, 16)
    assert stored_out["resnet_v1/block1"].shape == (1, 16, 16, 16)  # before the block stride
    assert stored_out["logits"].shape == plain_out["logits"].shape == (1, 4, 4, 32)
    dense = zoo.build("resnet_v1", blocks=blocks, num_classes=None, global_pool=False,
                      output_stride=8)
    assert dense(x).shape == (1, 8, 8, 32)
    with pytest.raises(ValueError, match="output_stride needs to be a multiple of 4"):
        zoo.build("resnet_v1", blocks=blocks, output_stride=6)(x)


def test_new_head_fine_tuning_pattern(tmp_path):
    """Load an original checkpoint into a model with another num_classes, head skipped."""
    golden = read_golden(GOLDENS / "resnet_v1_small_inference")  # trained with 5 classes
    model = zoo.build("resnet_v1", blocks=golden.meta["config"]["blocks"], num_classes=3)
    model(*golden.call_args())
    report = load_tf1_checkpoint(model, golden.checkpoint, skip=[r"^resnet_v1/logits/"])
    assert report.ok
    assert sorted(n for n, _ in report.skipped) == [
        "resnet_v1/logits/biases", "resnet_v1/logits/biases", "resnet_v1/logits/weights",
        "resnet_v1/logits/weights"]  # in the checkpoint, and new in the model
    assert model(*golden.call_args()).shape == (2, 3)


def test_vgg_preprocessing_resizes_crops_and_subtracts_means():
    image = tf.fill([300, 400, 3], 200.0)
    out = vgg_preprocessing.preprocess_image(image)
    assert out.shape == (224, 224, 3)
    np.testing.assert_allclose(out.numpy()[0, 0], [200 - 123.68, 200 - 116.78, 200 - 103.94],
                               rtol=1e-5)
    gradient = tf.reshape(tf.range(256 * 512 * 3, dtype=tf.float32) % 256, [256, 512, 3])
    cropped = vgg_preprocessing.preprocess_image(gradient, 224, 224, resize_side_min=256)
    # 256x512 is already at the resize side: the crop is the central 224x224.
    expected = gradient.numpy()[16:240, 144:368] - [123.68, 116.78, 103.94]
    np.testing.assert_allclose(cropped.numpy(), expected, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("name", sorted(p.parent.name
                                         for p in GOLDENS.glob("*/gradients.npz")))
def test_gradients_match_tf_slim(name):
    """d(sum(logits * w))/d(variable) for every trainable variable, as TF1 computed it."""
    golden = read_golden(GOLDENS / name)
    with np.load(GOLDENS / name / "gradients.npz", allow_pickle=False) as data:
        expected = {key: data[key] for key in data.files}
    model = zoo.build(golden.meta["model"], **golden.meta["config"])
    model(*golden.call_args())
    load_tf1_checkpoint(model, golden.checkpoint)
    variables = tf1track_core.tf1_variables(model)
    trainable = {n: v for n, v in variables.items() if v.trainable}
    assert sorted(trainable) == sorted(k for k in expected if k != "loss_weights")
    with tf.GradientTape() as tape:
        logits = model(*golden.call_args(), training=True)
        loss = tf.reduce_sum(logits * expected["loss_weights"])
    grads = tape.gradient(loss, list(trainable.values()))
    # Within 1e-4 of each variable's gradient scale, but never below 1e-6 of
    # the largest gradient: a bias feeding a training-mode batch norm has a
    # true gradient of 0 (the norm removes its mean), which TF1 and the port
    # both compute as float32 rounding noise near 1e-7.
    largest = max(np.abs(value).max() for key, value in expected.items()
                  if key != "loss_weights")
    for (var_name, _), grad in zip(trainable.items(), grads):
        scale = max(np.abs(expected[var_name]).max(), 1e-2 * largest)
        np.testing.assert_allclose(grad.numpy(), expected[var_name], rtol=1e-4,
                                   atol=1e-4 * scale, err_msg=var_name)


def _tf1_python():
    """A Python with tf-slim and tf-keras to record goldens in, or None."""
    import importlib.util
    import os
    if importlib.util.find_spec("tf_slim") and importlib.util.find_spec("tf_keras"):
        return sys.executable
    return os.environ.get("TF1TRACK_TF1_PYTHON")


@pytest.mark.slow
def test_full_size_50_layer_goldens_regenerated_and_matched(tmp_path):
    python = _tf1_python()
    if not python:
        pytest.skip("recording full-size goldens needs tf-slim 1.1.0 and tf-keras 2.21: install "
                    "them here or set TF1TRACK_TF1_PYTHON to a Python that has them")
    recorder = pathlib.Path(__file__).parent / "goldens" / "record_slim_resnet_goldens.py"
    env = dict(__import__("os").environ, TF_USE_LEGACY_KERAS="1")
    subprocess.run([python, str(recorder), "--full", "--out", str(tmp_path)], check=True,
                   env=env, capture_output=True, timeout=1800)
    for name in ("resnet_v1_50_full", "resnet_v2_50_full"):
        meta = read_golden(tmp_path / name).meta
        report = check_parity(zoo.build(meta["model"], **meta["config"]), tmp_path / name)
        assert report.passed, report.table()
