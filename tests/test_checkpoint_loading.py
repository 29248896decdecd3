"""Loading TF1 checkpoints by name: real TF1 files, assignment maps, and every bad input."""

import contextlib
import json
import os
import shutil
import threading

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from checkpoints_tools import (CheckpointError, CheckpointLoadError, classify_training_state,
                               list_tf1_checkpoint, load_tf1_checkpoint)
from checkpoints_tools import loader
from checkpoints_tools.reader import TF1Checkpoint
from fixture_paths import tf1_real
from tf1_checkpoints import write_tf1_checkpoint
from tracked_runner import Runner

v1 = tf.compat.v1


def variables_module(specs, partitions=None):
    """A tracked module owning variables `{name: (shape, dtype)}`, zero-initialised."""
    partitions = partitions or {}

    def make():
        return [v1.get_variable(name, shape, dtype, initializer=v1.zeros_initializer(),
                                partitioner=(v1.fixed_size_partitioner(partitions[name])
                                             if name in partitions else None))
                for name, (shape, dtype) in specs.items()]

    module = Runner(make)
    module()
    return module


def values_of(module):
    return {name: v.numpy().copy() for name, v in tf1track_core.tf1_variables(module).items()}


# --- real TF1 files -------------------------------------------------------------------------

def test_v1_single_file_format():
    path = tf1_real("v1_format", "half_plus_two_export-00000-of-00001")
    assert [(n, s) for n, s, _ in list_tf1_checkpoint(path)] == [("a", ()), ("b", ())]
    module = variables_module({"a": ([], tf.float32), "b": ([], tf.float32)})
    report = load_tf1_checkpoint(module, path)
    assert sorted(report.loaded) == [("a", "a"), ("b", "b")]
    assert values_of(module) == {"a": 0.5, "b": 2.0}


def test_sharded_t2t_checkpoint_lists_81_model_variables_and_skips_training_state():
    directory = tf1_real("t2t_transformer_test_ckpt")
    listing = list_tf1_checkpoint(directory)  # a directory with a `checkpoint` file
    assert len(listing) == 250
    weights = [(n, s, d) for n, s, d in listing if classify_training_state(n) is None]
    assert len(weights) == 81
    assert all(n.startswith("transformer/") for n, _, _ in weights)
    kinds = sorted({classify_training_state(n) for n, _, _ in listing} - {None})
    assert kinds == ["optimizer state", "training bookkeeping", "training step"]

    module = variables_module({n: (s, d) for n, s, d in weights})
    report = load_tf1_checkpoint(module, directory)
    assert len(report.loaded) == 81 and report.ok
    assert sorted(n for n, _ in report.skipped if n.endswith(("/Adam", "/Adam_1"))) == sorted(
        n for n, _, _ in listing if n.endswith(("/Adam", "/Adam_1")))
    assert ("global_step", "training step") in report.skipped
    assert len(report.skipped) == 250 - 81
    reader = tf.train.load_checkpoint(str(directory / "model.ckpt-1"))
    for name, value in values_of(module).items():
        np.testing.assert_array_equal(value, reader.get_tensor(name))


def test_t2t_embedding_shards_concatenated_by_a_model_translation():
    directory = tf1_real("t2t_transformer_test_ckpt")
    shard_names = [f"transformer/symbol_modality_8190_16/shared/weights_{i}" for i in range(16)]

    class Embedding(tf.Module):
        @tf1track_core.track_tf1_style_variables
        def __call__(self):
            return v1.get_variable("transformer/embedding", [8190, 16])

        def tf1_checkpoint_translations(self, tensors):
            if shard_names[0] not in tensors:
                return []
            return [("transformer/embedding", shard_names,
                     lambda shards: np.concatenate(shards, axis=0), (8190, 16))]

    module = Embedding()
    module()
    report = load_tf1_checkpoint(module, directory, strict=False)
    assert report.loaded[0][0] == "transformer/embedding" and not report.missing
    reader = tf.train.load_checkpoint(str(directory / "model.ckpt-1"))
    expected = np.concatenate([reader.get_tensor(n) for n in shard_names])
    np.testing.assert_array_equal(module().numpy(), expected)
    assert not set(shard_names) & set(report.unexpected)


def test_official_resnet_reference_checkpoint():
    path = tf1_real("official_resnet_reference", "batch_norm", "model.ckpt")
    listing = {n: (s, d) for n, s, d in list_tf1_checkpoint(path)}
    assert listing["input_tensor"][0] == (32, 16, 16, 3)
    module = variables_module(listing)
    load_tf1_checkpoint(module, path)
    results = json.loads((path.parent / "results.json").read_text())
    input_tensor = values_of(module)["input_tensor"]
    # results.json: input shape, then first, last and sum of the input tensor.
    assert list(input_tensor.shape) == results[:4]
    np.testing.assert_allclose(
        [input_tensor.flat[0], input_tensor.flat[-1], input_tensor.sum()], results[4:7],
        rtol=1e-4)


# --- names ---------------------------------------------------------------------------------

def test_prefix_assignment_map_and_regex_rules(tmp_path):
    prefix = write_tf1_checkpoint(tmp_path / "ckpt", {
        "old/dense/kernel": np.ones([2, 3], np.float32), "old/dense/bias": np.arange(3.0, dtype=np.float32),
        "head/w": np.full([3], 7.0, np.float32)})
    module = variables_module({"new/dense/kernel": ([2, 3], tf.float32),
                               "new/dense/bias": ([3], tf.float32), "head/w": ([3], tf.float32)})
    report = load_tf1_checkpoint(module, prefix, assignment_map={"old/": "new/"})
    assert sorted(report.loaded) == [("head/w", "head/w"), ("new/dense/bias", "old/dense/bias"),
                                     ("new/dense/kernel", "old/dense/kernel")]
    np.testing.assert_array_equal(values_of(module)["new/dense/bias"], [0.0, 1.0, 2.0])

    fresh = variables_module({"new/dense/kernel": ([2, 3], tf.float32),
                              "new/dense/bias": ([3], tf.float32), "head/w": ([3], tf.float32)})
    rules = [(r"^old/(.*)$", r"new/\1"), (r"^head/", None)]
    report = load_tf1_checkpoint(fresh, prefix, assignment_map=rules, skip=[r"^head/"])
    assert ("head/w", "skip pattern") in report.skipped
    np.testing.assert_array_equal(values_of(fresh)["head/w"], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(values_of(fresh)["new/dense/kernel"], np.ones([2, 3]))


def test_skip_pattern_lets_a_new_head_stay_initialised(tmp_path):
    prefix = write_tf1_checkpoint(tmp_path / "ckpt", {
        "net/conv/weights": np.ones([3], np.float32), "net/logits/weights": np.ones([4, 10], np.float32)})
    module = variables_module({"net/conv/weights": ([3], tf.float32),
                               "net/logits/weights": ([4, 5], tf.float32)})
    report = load_tf1_checkpoint(module, prefix, skip=[r"^net/logits/"])
    assert report.ok and report.loaded == [("net/conv/weights", "net/conv/weights")]
    np.testing.assert_array_equal(values_of(module)["net/logits/weights"], np.zeros([4, 5]))


def test_partitioned_model_variable_loads_from_the_full_tf1_tensor(tmp_path):
    table = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    prefix = write_tf1_checkpoint(tmp_path / "ckpt", {"emb/table": table}, partitions={"emb/table": 3})
    assert list_tf1_checkpoint(prefix) == [("emb/table", (10, 3), tf.float32)]
    module = variables_module({"emb/table": ([10, 3], tf.float32)}, partitions={"emb/table": 4})
    report = load_tf1_checkpoint(module, prefix)
    assert report.loaded == [("emb/table", "emb/table")]
    parts = values_of(module)
    assert list(parts) == [f"emb/table/part_{i}" for i in range(4)]
    np.testing.assert_array_equal(np.concatenate(list(parts.values())), table)


def test_strict_false_loads_what_matches_and_reports_the_rest(tmp_path):
    prefix = write_tf1_checkpoint(tmp_path / "ckpt", {
        "a": np.ones([2], np.float32), "extra": np.ones([1], np.float32),
        "b": np.ones([3], np.float32)})
    module = variables_module({"a": ([2], tf.float32), "b": ([4], tf.float32),
                               "c": ([1], tf.float32)})
    report = load_tf1_checkpoint(module, prefix, strict=False)
    assert report.loaded == [("a", "a")]
    assert report.missing == ["c"] and report.unexpected == ["extra"]
    assert [(m.model_name, m.model_shape, m.checkpoint_shape) for m in report.mismatched] == [
        ("b", (4,), (3,))]
    assert values_of(module)["a"].tolist() == [1.0, 1.0]
    assert "Missing from the checkpoint (1):\n  c" in report.summary()


# --- bad input: clear error, nothing assigned -----------------------------------------------

@pytest.fixture
def loaded_pair(tmp_path):
    """A checkpoint of two variables and a module whose variables are all 9."""
    prefix = write_tf1_checkpoint(tmp_path / "model.ckpt", {
        "x/kernel": np.ones([3, 4], np.float32), "x/bias": np.arange(4.0, dtype=np.float32)})
    module = variables_module({"x/kernel": ([3, 4], tf.float32), "x/bias": ([4], tf.float32)})
    for variable in tf1track_core.tf1_variables(module).values():
        variable.assign(tf.fill(variable.shape, 9.0))
    return prefix, module


def assert_untouched(module):
    for name, value in values_of(module).items():
        assert (value == 9.0).all(), f"{name} was changed by a failed load"


def test_missing_path(tmp_path, loaded_pair):
    _, module = loaded_pair
    with pytest.raises(CheckpointError, match=r"nope/model.ckpt: no such checkpoint"):
        load_tf1_checkpoint(module, tmp_path / "nope" / "model.ckpt")
    assert_untouched(module)


def test_truncated_data_file(tmp_path, loaded_pair):
    prefix, module = loaded_pair
    data = prefix + ".data-00000-of-00001"
    with open(data, "r+b") as handle:
        handle.truncate(os.path.getsize(data) - 8)
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_tf1_checkpoint(module, prefix)
    assert_untouched(module)


def test_garbage_index_file(tmp_path, loaded_pair):
    prefix, module = loaded_pair
    with open(prefix + ".index", "wb") as handle:
        handle.write(b"this is not an sstable" * 4)
    with pytest.raises(CheckpointError, match="model.ckpt: not a readable TF checkpoint"):
        load_tf1_checkpoint(module, prefix)
    assert_untouched(module)


def test_name_missing_from_checkpoint(tmp_path, loaded_pair):
    prefix, _ = loaded_pair
    module = variables_module({"x/kernel": ([3, 4], tf.float32), "x/bias": ([4], tf.float32),
                               "x/gamma": ([4], tf.float32)})
    for variable in tf1track_core.tf1_variables(module).values():
        variable.assign(tf.fill(variable.shape, 9.0))
    with pytest.raises(CheckpointLoadError, match="1 missing from the checkpoint: x/gamma"):
        load_tf1_checkpoint(module, prefix)
    assert_untouched(module)


def test_shape_mismatch(tmp_path, loaded_pair):
    prefix, _ = loaded_pair
    module = variables_module({"x/kernel": ([4, 4], tf.float32), "x/bias": ([4], tf.float32)})
    for variable in tf1track_core.tf1_variables(module).values():
        variable.assign(tf.fill(variable.shape, 9.0))
    with pytest.raises(CheckpointLoadError, match=r"x/kernel: model \(4, 4\) float32, "
                                                  r"checkpoint x/kernel \(3, 4\) float32"):
        load_tf1_checkpoint(module, prefix)
    assert_untouched(module)


def test_dtype_mismatch(tmp_path, loaded_pair):
    prefix, _ = loaded_pair
    module = variables_module({"x/kernel": ([3, 4], tf.float64), "x/bias": ([4], tf.float32)})
    for variable in tf1track_core.tf1_variables(module).values():
        variable.assign(tf.cast(tf.fill(variable.shape, 9.0), variable.dtype))
    with pytest.raises(CheckpointLoadError, match=r"x/kernel: model \(3, 4\) float64, "
                                                  r"checkpoint x/kernel \(3, 4\) float32"):
        load_tf1_checkpoint(module, prefix)
    assert_untouched(module)


def test_corrupt_bytes_in_a_later_tensor_change_nothing(tmp_path, loaded_pair):
    prefix, module = loaded_pair
    data = prefix + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[-3] ^= 0xFF  # same size, bad checksum in the last tensor written
    open(data, "wb").write(bytes(raw))
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_tf1_checkpoint(module, prefix)
    assert_untouched(module)


def test_unbuilt_object_and_bad_map_are_clear_errors(loaded_pair):
    prefix, module = loaded_pair
    with pytest.raises(ValueError, match="has no variables yet: call it once"):
        load_tf1_checkpoint(Runner(lambda: None), prefix)
    with pytest.raises(ValueError, match="is not a valid regular expression"):
        load_tf1_checkpoint(module, prefix, assignment_map=[("(", "x")])
    with pytest.raises(ValueError, match="maps a scope to a single name"):
        load_tf1_checkpoint(module, prefix, assignment_map={"x/": "y"})
    assert_untouched(module)


def test_directory_without_state_file_with_one_checkpoint(tmp_path, loaded_pair):
    prefix, module = loaded_pair
    os.remove(os.path.join(os.path.dirname(prefix), "checkpoint"))
    report = load_tf1_checkpoint(module, os.path.dirname(prefix))
    assert len(report.loaded) == 2
    shutil.copy(prefix + ".index", str(tmp_path / "other.index"))
    with pytest.raises(CheckpointError, match="2 checkpoints in the directory"):
        list_tf1_checkpoint(tmp_path)


# --- reading ahead --------------------------------------------------------------------------

def read_ahead_threads():
    return [t for t in threading.enumerate() if t.name == "tf1track-read-ahead"]


def test_read_ahead_covers_the_data_files_and_stops_after_a_failed_load(tmp_path, loaded_pair):
    prefix, module = loaded_pair
    checkpoint = TF1Checkpoint(prefix)
    assert checkpoint.data_files() == [prefix + ".data-00000-of-00001"]
    assert checkpoint.data_bytes() == os.path.getsize(prefix + ".data-00000-of-00001") == 64
    assert isinstance(loader._read_ahead_if_worth_it(checkpoint),
                      contextlib._GeneratorContextManager)  # weights only: read ahead
    wrong = variables_module({"x/kernel": ([4, 4], tf.float32), "x/bias": ([4], tf.float32)})
    with pytest.raises(CheckpointLoadError):
        load_tf1_checkpoint(wrong, prefix)
    load_tf1_checkpoint(module, prefix)
    assert not read_ahead_threads()


def test_no_read_ahead_for_a_checkpoint_mostly_of_optimizer_slots(tmp_path):
    kernel = np.ones([8, 8], np.float32)
    prefix = write_tf1_checkpoint(tmp_path / "model.ckpt", {
        "x/kernel": kernel, "x/kernel/Adam": kernel, "x/kernel/Adam_1": kernel})
    checkpoint = TF1Checkpoint(prefix)
    assert isinstance(loader._read_ahead_if_worth_it(checkpoint), contextlib.nullcontext)


@pytest.mark.parametrize("name, kind", [
    ("a/kernel/Adam", "optimizer state"), ("a/kernel/Adam_1", "optimizer state"),
    ("a/kernel/Adam_2", "optimizer state"), ("bert/x/adam_m", "optimizer state"),
    ("t/body/w/Adafactor_1", "optimizer state"), ("a/w/Momentum", "optimizer state"),
    ("a/w/ExponentialMovingAverage", "optimizer state"), ("beta1_power_1", "optimizer state"),
    ("global_step", "training step"), ("losses_avg/problem_0/total_loss", "training bookkeeping"),
    ("a/kernel", None), ("a/Adam_kernel", None), ("a/BatchNorm/moving_mean", None),
])
def test_training_state_is_told_apart_from_weights_by_name(name, kind):
    assert classify_training_state(name) == kind


def test_files_changing_between_verify_and_assign_are_reported_as_a_partial_load(
        tmp_path, monkeypatch):
    prefix = write_tf1_checkpoint(tmp_path / "model.ckpt", {
        "big": np.ones([1000], np.float32), "small": np.ones([10], np.float32)})
    module = variables_module({"big": ([1000], tf.float32), "small": ([10], tf.float32)})
    read_batches, passes = TF1Checkpoint.read_batches, []

    def truncated_after_first_batch_of_the_assign_pass(self, *args, **kwargs):
        passes.append(1)
        for i, batch in enumerate(read_batches(self, *args, **kwargs)):
            yield batch
            if len(passes) == 2 and i == 0:  # e.g. a Saver pruning the checkpoint
                os.truncate(prefix + ".data-00000-of-00001", 16)

    monkeypatch.setattr(TF1Checkpoint, "read_batches",
                        truncated_after_first_batch_of_the_assign_pass)
    with pytest.raises(CheckpointError, match="The files changed after they were verified: "
                                              "1 of 2 variables were assigned"):
        load_tf1_checkpoint(module, prefix)


def test_load_into_a_model_built_under_mirrored_strategy_sets_every_replica(tmp_path):
    import zoo
    from checkpoints_tools import save_tf1_checkpoint
    from tiny_zoo_model import MODEL_NAME

    source = zoo.build(MODEL_NAME)
    inputs = source.example_inputs()
    source(*inputs.values())
    for variable in tf1track_core.tf1_variables(source).values():
        variable.assign(tf.random.normal(variable.shape, seed=4) + 1.0)
    prefix = save_tf1_checkpoint(source, tmp_path / "model.ckpt")
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
        model = zoo.build(MODEL_NAME)
        model(*inputs.values())
    assert load_tf1_checkpoint(model, prefix).ok
    expected = values_of(source)
    for name, variable in tf1track_core.tf1_variables(model).items():
        replicas = strategy.experimental_local_results(variable)
        assert len(replicas) == 2, name  # trainable (mirrored) and BN statistics (on read)
        for replica in replicas:
            np.testing.assert_array_equal(replica.numpy(), expected[name], err_msg=name)
