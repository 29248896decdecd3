"""tf1track-finetune, the main job: data, optimization, the loop, resume, strategies, errors."""

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import gin
import numpy as np
import pytest
import tensorflow as tf

from checkpoints_tools import list_tf1_checkpoint, read_golden, run_saved_model
from checkpoints_tools.finetuning import finetune
from checkpoints_tools.training import data, loop, optimization
from checkpoints_tools.training.errors import FinetuneConfigError, TrainingDivergedError
from slow_marks import slow_beyond
from tiny_zoo_model import LINEAR_MODEL_NAME

ROOT = pathlib.Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke" / "resnet_v1_tiny_synthetic.gin"
SLIM_GOLDEN = ROOT / "tests" / "goldens" / "slim_resnet" / "resnet_v1_small_inference"
BIN = pathlib.Path(sys.executable).parent


@pytest.fixture(scope="module")
def shapes_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("shapes")
    data.generated_shapes(root_dir=str(root), image_size=32, examples_per_class=16)
    return root


def _smoke(gin_config, output_dir, shapes_dir, *bindings):
    gin_config.parse_config_files_and_bindings([str(SMOKE)], [
        f'finetune.output_dir = "{output_dir}"', f'generated_shapes.root_dir = "{shapes_dir}"',
        *bindings])
    return finetune()


def _event_tags(directory):
    tags = set()
    for path in pathlib.Path(directory).glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            tags.update(value.tag for value in event.summary.value)
    return tags


def test_thirty_steps_on_an_image_folder_learn_checkpoint_summarize_and_export(
        tmp_path, gin_config, shapes_dir):
    result = _smoke(gin_config, tmp_path, shapes_dir, "finetune.steps = 30",
                    "finetune.checkpoint_every = 10", "learning_rate_schedule.learning_rate = 0.05",
                    f"finetune.eval_data = @eval/generated_shapes()",
                    'eval/generated_shapes.split = "test"')
    losses = result["losses"]
    assert len(losses) == 30 and np.mean(losses[-5:]) < np.mean(losses[:5])
    assert result["step"] == 30 and "final_eval" in result and "initial_eval" in result
    assert sorted(p.name for p in tmp_path.glob("ckpt-*.index")) == [
        "ckpt-10.index", "ckpt-20.index", "ckpt-30.index"]
    tf1_names = [name for name, _, _ in list_tf1_checkpoint(tmp_path / "export" / "tf1" /
                                                          "model.ckpt")]
    assert "resnet_v1/block1/unit_1/bottleneck_v1/conv1/weights" in tf1_names
    served = run_saved_model(tmp_path / "export" / "saved_model",
                             {"images": np.zeros([2, 32, 32, 3], np.float32)})
    assert served["output"].shape == (2, 3)
    assert "finetune.steps = 30" in (tmp_path / "config.gin").read_text()
    assert json.loads((tmp_path / "run.json").read_text())["model"] == "resnet_v1"
    assert {"loss", "learning_rate", "steps_per_second", "config.gin"} <= _event_tags(
        tmp_path / "train")
    assert {"accuracy", "loss"} <= _event_tags(tmp_path / "eval")


def test_a_finished_run_rerun_does_nothing(tmp_path, gin_config, shapes_dir):
    _smoke(gin_config, tmp_path, shapes_dir)
    gin_config.clear_config()
    again = _smoke(gin_config, tmp_path, shapes_dir)
    assert again["losses"] == [] and again["step"] == 3


def test_tfds_mock_data_trains(tmp_path, gin_config):
    from tensorflow_datasets.testing import mock_data  # pylint: disable=import-outside-toplevel
    with mock_data(num_examples=40):
        gin_config.parse_config_files_and_bindings([str(SMOKE)], [
            f'finetune.output_dir = "{tmp_path}"', "finetune.train_data = @tfds_dataset()",
            'tfds_dataset.name = "mnist"', "finetune.model_config = "
            '{"blocks": [["block1", 4, 2, 2], ["block2", 8, 2, 1]], "num_classes": 10}',
            "finetune.steps = 30", "learning_rate_schedule.learning_rate = 0.05"])
        result = finetune()
    assert np.mean(result["losses"][-5:]) < np.mean(result["losses"][:5])


def test_initialises_from_a_tf1_checkpoint_with_a_new_head(tmp_path, gin_config, shapes_dir):
    golden = read_golden(SLIM_GOLDEN)  # a TF1 checkpoint of resnet_v1 with 5 classes
    blocks = golden.meta["config"]["blocks"]
    _smoke(gin_config, tmp_path, shapes_dir,
           f'finetune.model_config = {{"blocks": {blocks}, "num_classes": 3}}',
           f'finetune.tf1_checkpoint = "{golden.checkpoint}"',
           'finetune.skip = ["^resnet_v1/logits/"]',
           "learning_rate_schedule.learning_rate = 0.0", "finetune.steps = 1")
    written = tf.train.load_checkpoint(str(tmp_path / "export" / "tf1" / "model.ckpt"))
    original = tf.train.load_checkpoint(golden.checkpoint)
    name = "resnet_v1/block2/unit_1/bottleneck_v1/conv2/weights"
    np.testing.assert_array_equal(written.get_tensor(name), original.get_tensor(name))
    assert written.get_tensor("resnet_v1/logits/weights").shape == (1, 1, 32, 3)


def test_schedules_warm_up_then_decay():
    cosine = optimization.WarmupThenDecay(0.1, 100, warmup_steps=10, decay="cosine")
    np.testing.assert_allclose([float(cosine(s)) for s in (0, 9, 10, 55, 100)],
                               [0.01, 0.1, 0.1, 0.05, 0.0], atol=1e-6)
    linear = optimization.WarmupThenDecay(0.1, 100, decay="linear", end_learning_rate=0.02)
    np.testing.assert_allclose(float(linear(50)), 0.06, rtol=1e-6)
    exponential = optimization.WarmupThenDecay(0.1, 100, decay="exponential", decay_rate=0.5,
                                               decay_steps=10)
    np.testing.assert_allclose(float(exponential(20)), 0.025, rtol=1e-6)


def test_any_keras_optimizer_by_name_with_its_arguments_and_clipping():
    optimizer = optimization.make_optimizer(0.1, name="AdamW", weight_decay=0.01, clip_norm=1.0)
    assert type(optimizer).__name__ == "AdamW" and optimizer.global_clipnorm == 1.0
    with pytest.raises(FinetuneConfigError, match="'Nesterovv' is not a Keras 3 optimizer"):
        optimization.make_optimizer(0.1, name="Nesterovv")
    with pytest.raises(FinetuneConfigError, match="optimizer SGD"):
        optimization.make_optimizer(0.1, name="SGD", betas=3)


# --- strategies ------------------------------------------------------------------------


def _linear_spec(output_dir, steps=8, **overrides):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(64, 4)).astype(np.float32)
    labels = (features.sum(axis=1) > 0).astype(np.int64) + (features[:, 0] > 1)
    source = data.Source("numbers", lambda: tf.data.Dataset.from_tensor_slices((features, labels)),
                         64, 3)
    import zoo  # pylint: disable=import-outside-toplevel
    spec = dict(model=LINEAR_MODEL_NAME, model_config={}, build_layer=lambda: zoo.build(
        LINEAR_MODEL_NAME), train_data=source, eval_data=None,
        preprocess=lambda x, y, seed, training: (x, y),
        make_optimizer=lambda total: optimization.make_optimizer(0.1, name="SGD"),
        output_dir=pathlib.Path(output_dir), steps=steps, batch_size=8, checkpoint_every=4,
        log_every=4)
    spec.update(overrides)
    return loop.RunSpec(**spec)


def _final_weights(output_dir):
    reader = tf.train.load_checkpoint(str(pathlib.Path(output_dir) / "export" / "tf1" /
                                          "model.ckpt"))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def test_two_local_replicas_give_the_weights_of_one_device(tmp_path):
    assert len(tf.config.list_logical_devices("CPU")) == 2  # set in conftest.py
    loop.train(_linear_spec(tmp_path / "one"), tf.distribute.get_strategy())
    # (Reduction to one device: collective all-reduces of two strategies in one
    # process share instance keys and would trip the suite's other mirrored test.)
    mirrored = tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice())
    loop.train(_linear_spec(tmp_path / "two"), mirrored)
    one, two = _final_weights(tmp_path / "one"), _final_weights(tmp_path / "two")
    assert sorted(one) == sorted(two) and one
    for name in one:
        np.testing.assert_allclose(two[name], one[name], rtol=1e-5, atol=1e-6, err_msg=name)


WORKER = """
import json, os, sys
sys.path.insert(0, {tests!r})
import tensorflow as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()
import test_finetune
from checkpoints_tools.training import loop
loop.train(test_finetune._linear_spec({out!r}), strategy)
"""


def _free_ports(count):
    import socket  # pylint: disable=import-outside-toplevel
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_localhost_finish_and_match_one_process(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    script = WORKER.format(tests=str(pathlib.Path(__file__).parent), out=str(tmp_path / "multi"))
    workers = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster,
                                                     "task": {"type": "worker", "index": index}}),
                   CUDA_VISIBLE_DEVICES="")
        workers.append(subprocess.Popen([sys.executable, "-c", script], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_, err) in zip(workers, outputs):
        assert worker.returncode == 0, err[-3000:]
    loop.train(_linear_spec(tmp_path / "single"), tf.distribute.get_strategy())
    multi, single = _final_weights(tmp_path / "multi"), _final_weights(tmp_path / "single")
    for name in single:
        np.testing.assert_allclose(multi[name], single[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert not list((tmp_path / "multi").glob("*worker*"))  # only the chief wrote here


# --- resume after SIGKILL ----------------------------------------------------------------


def _finetune_command(output_dir, shapes_dir, steps):
    return [str(BIN / "tf1track-finetune"), f"--gin_file={SMOKE}",
            f"--gin_bindings=finetune.output_dir = '{output_dir}'",
            f"--gin_bindings=generated_shapes.root_dir = '{shapes_dir}'",
            f"--gin_bindings=finetune.steps = {steps}",
            "--gin_bindings=finetune.checkpoint_every = 5",
            "--gin_bindings=finetune.shuffle_buffer = 64"]


def test_a_run_killed_with_sigkill_resumes_to_the_same_weights(tmp_path, shapes_dir):
    steps = 40
    subprocess.run(_finetune_command(tmp_path / "whole", shapes_dir, steps), check=True,
                   capture_output=True, timeout=600, cwd=ROOT)
    killed_dir = tmp_path / "killed"
    process = subprocess.Popen(_finetune_command(killed_dir, shapes_dir, steps), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (killed_dir / "ckpt-15.index").exists() and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (killed_dir / "ckpt-15.index").exists() and not (killed_dir / "export").exists()
    resumed = subprocess.run(_finetune_command(killed_dir, shapes_dir, steps), check=True,
                             capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert "resumed from" in resumed.stdout
    assert "could not be found" not in resumed.stderr and "Unresolved" not in resumed.stderr
    whole, again = _final_weights(tmp_path / "whole"), _final_weights(killed_dir)
    for name in whole:
        np.testing.assert_allclose(again[name], whole[name], rtol=1e-5, atol=1e-6, err_msg=name)


# --- bad input: one line, non-zero, nothing half-written ---------------------------------


def _run_binary(*arguments):
    result = subprocess.run([str(BIN / "tf1track-finetune"), *arguments], capture_output=True,
                            text=True, timeout=600, cwd=ROOT)
    errors = [line for line in result.stderr.splitlines()
              if line.startswith("tf1track-finetune: error:")]
    return result, errors


@pytest.mark.parametrize("bindings,expected", slow_beyond(2, [
    (["finetune.steps = "], "gin config"),
    (["finetune.tf1_checkpoint = '/no/such/checkpoint'"], "/no/such/checkpoint"),
    ([f"finetune.tf1_checkpoint = '{SLIM_GOLDEN / 'model.ckpt'}'", "finetune.model_config = "
      '{"blocks": [["block1", 4, 2, 2], ["block2", 8, 2, 2], ["block3", 8, 2, 1]], '
      '"num_classes": 3}'], "resnet_v1/logits/weights"),
    (["finetune.train_data = @tfds_dataset()", "tfds_dataset.name = 'mnist'",
      "tfds_dataset.data_dir = '/nonexistent_tfds'"], "not prepared"),
    (["finetune.train_data = @image_folder()", "image_folder.root_dir = '/no/such/folder'"],
     "no split directory"),
]))
def test_bad_input_is_one_line_non_zero_and_leaves_no_run_behind(tmp_path, shapes_dir, bindings,
                                                                 expected):
    out = tmp_path / "run"
    result, errors = _run_binary(f"--gin_file={SMOKE}",
                                 f"--gin_bindings=finetune.output_dir = '{out}'",
                                 f"--gin_bindings=generated_shapes.root_dir = '{shapes_dir}'",
                                 *[f"--gin_bindings={b}" for b in bindings])
    assert result.returncode != 0 and len(errors) == 1, result.stderr[-2000:]
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_translate_folder_yields_sentence_pairs_and_names_a_missing_file(tmp_path):
    (tmp_path / "en.train.txt").write_text("hello\nthank you\n")
    (tmp_path / "de.train.txt").write_text("hallo\ndanke\n")
    source = data.translate_folder(root_dir=str(tmp_path), language_pair=("en", "de"))
    pairs = sorted((s.decode(), t.decode()) for s, t in source.make().as_numpy_iterator())
    assert pairs == [("hello", "hallo"), ("thank you", "danke")]
    with pytest.raises(FinetuneConfigError, match=r"missing .*en\.test\.txt"):
        data.translate_folder(root_dir=str(tmp_path), split="test", language_pair=("en", "de"))


def test_an_empty_or_corrupt_image_folder_is_one_clear_error(tmp_path):
    empty = tmp_path / "empty"
    (empty / "train" / "cats").mkdir(parents=True)
    with pytest.raises(FinetuneConfigError, match="no images found|image folder"):
        data.image_folder(root_dir=str(empty))
    corrupt = tmp_path / "corrupt"
    (corrupt / "train" / "cats").mkdir(parents=True)
    (corrupt / "train" / "dogs").mkdir(parents=True)
    (corrupt / "train" / "cats" / "a.png").write_bytes(b"not a png")
    (corrupt / "train" / "dogs" / "b.png").write_bytes(b"not a png either")
    result, errors = _run_binary(f"--gin_file={SMOKE}",
                                 f"--gin_bindings=finetune.output_dir = '{tmp_path / 'run'}'",
                                 "--gin_bindings=finetune.train_data = @image_folder()",
                                 f"--gin_bindings=image_folder.root_dir = '{corrupt}'",
                                 "--gin_bindings=finetune.model_config = "
                                 '{"blocks": [["block1", 4, 2, 2]], "num_classes": 2}')
    assert result.returncode != 0 and len(errors) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_resuming_a_directory_of_another_config_is_refused(tmp_path, gin_config, shapes_dir):
    _smoke(gin_config, tmp_path, shapes_dir)
    gin_config.clear_config()
    with pytest.raises(FinetuneConfigError, match="holds a run of another model or data stream"):
        _smoke(gin_config, tmp_path, shapes_dir, "finetune.model_config = "
               '{"blocks": [["block1", 8, 2, 2]], "num_classes": 3}')


def test_a_non_finite_loss_stops_naming_the_step_and_keeps_the_last_checkpoint(tmp_path):
    spec = _linear_spec(tmp_path, steps=50, checkpoint_every=1,
                        make_optimizer=lambda total: optimization.make_optimizer(1e30,
                                                                                 name="SGD"))
    with pytest.raises(TrainingDivergedError, match=r"at step \d+") as info:
        loop.train(spec, tf.distribute.get_strategy())
    step = int(re.search(r"at step (\d+)", str(info.value)).group(1))
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest.endswith(f"ckpt-{step - 1}") and latest in str(info.value)
    assert not (tmp_path / "export").exists()


# --- the shipped configs -----------------------------------------------------------------


@pytest.mark.parametrize("config,preprocess", slow_beyond(1, [
    ("slim_resnet_finetune.gin", "slim_vgg"), ("official_resnet_finetune.gin", "official_resnet")]))
def test_family_configs_name_what_must_be_set_and_run(tmp_path, shapes_dir, config, preprocess):
    header = [line for line in (ROOT / "configs" / config).read_text().splitlines()
              if line.startswith("#")]
    assert any("Must be set (%gin.REQUIRED)" in line for line in header[:4])
    result, errors = _run_binary(f"--gin_file={config}")  # by name, nothing bound
    assert result.returncode != 0 and len(errors) == 1 and "required" in errors[0].lower()
    out = tmp_path / "run"
    result, errors = _run_binary(
        f"--gin_file={config}", "--gin_bindings=NUM_CLASSES = 3",
        f"--gin_bindings=IMAGES = '{shapes_dir}'", "--gin_bindings=finetune.tf1_checkpoint = None",
        f"--gin_bindings=finetune.output_dir = '{out}'", "--gin_bindings=finetune.steps = 2",
        "--gin_bindings=finetune.batch_size = 2", "--gin_bindings=finetune.eval_data = None",
        f"--gin_bindings={preprocess}.image_size = 64",
        "--gin_bindings=learning_rate_schedule.warmup_steps = 0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "export" / "saved_model" / "saved_model.pb").is_file()
