"""The fine-tuning loop: strategy, checkpoints and resume, progress, summaries, exports.

One linear run, phases top to bottom: resume from the run directory's latest
checkpoint (model, optimizer, step and the data iterator's position), else
initialise from the TF1 checkpoint by name, else start from the seeded
initializers; train to `steps` (the total: a finished run rerun does nothing),
saving every `checkpoint_every` steps and at the end; evaluate every
`eval_every` steps; export a SavedModel and a TF1 name-based checkpoint.

What a run directory holds:

    run.json        the model and config it was made by (a resume must match)
    config.gin      the operative gin config
    ckpt-<step>.*   tf.train.CheckpointManager checkpoints (the last `keep`)
    train/, eval/   TensorBoard summaries (loss, learning rate, steps/s, eval metrics)
    export/         saved_model/ and tf1/model.ckpt, written only when the run completes

Under `MultiWorkerMirroredStrategy` only the chief writes the run directory;
the other workers save their (required) checkpoint copies to a scratch
directory that they delete.
"""

import dataclasses
import json
import math
import pathlib
import shutil
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from absl import logging

import tf1track_core
from checkpoints_tools.converter import export_saved_model, save_tf1_checkpoint
from checkpoints_tools.loader import load_tf1_checkpoint
from checkpoints_tools.training.errors import FinetuneConfigError, TrainingDivergedError
from checkpoints_tools.training.tasks import Classification, call_model

STRATEGIES = ("default", "mirrored", "multi_worker")
RUN_FILE = "run.json"


def make_strategy(kind):
    """The `tf.distribute` strategy of `--strategy` (create it before any other TF work)."""
    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy()
    if kind == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise FinetuneConfigError(f"strategy {kind!r} is not one of {', '.join(STRATEGIES)}.")


def is_chief(strategy):
    """Whether this process writes the run directory (always, unless a non-chief worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return True
    cluster = resolver.cluster_spec().as_dict()
    if "chief" in cluster:
        return resolver.task_type == "chief"
    return resolver.task_type == "worker" and resolver.task_id == 0


@dataclasses.dataclass
class RunSpec:
    """What one fine-tuning run does (built by `checkpoints_tools.finetuning.finetune`)."""

    model: str
    model_config: dict
    build_layer: object  # () -> the zoo layer
    train_data: object  # data.Source
    eval_data: object  # data.Source or None
    preprocess: object  # (features, label, seed, training) -> (features, label)
    make_optimizer: object  # total_steps -> Keras optimizer
    output_dir: pathlib.Path
    steps: int
    batch_size: int
    tf1_checkpoint: str = None
    skip: tuple = ()
    assignment_map: dict = None
    eval_batch_size: int = None
    checkpoint_every: int = 100
    keep_checkpoints: int = 3
    eval_every: int = 0
    log_every: int = 10
    shuffle_buffer: int = 1024
    seed: int = 0
    config_text: str = ""
    task: object = Classification()  # tasks.Classification / SequenceToSequence


def train(spec, strategy):
    """Runs `spec` under `strategy`; returns a dict of what happened (step, losses, metrics).

    Raises:
      FinetuneConfigError: for a run directory made by another model or config.
      TrainingDivergedError: if the loss becomes non-finite.
    """
    chief = is_chief(strategy)
    _check_run_directory(spec.output_dir, spec)
    write_dir = spec.output_dir if chief \
        else pathlib.Path(tempfile.mkdtemp(prefix="tf1track-worker-"))
    try:
        return _train(spec, strategy, chief, write_dir)
    finally:
        if not chief:
            shutil.rmtree(write_dir, ignore_errors=True)


def _train(spec, strategy, chief, write_dir):
    keras.utils.set_random_seed(spec.seed)  # the new head's initial values, reproducibly
    with strategy.scope():
        layer = spec.build_layer()
        try:
            example = next(iter(_train_dataset(spec, strategy.num_replicas_in_sync,
                                               batch=1)))[0]
        except tf.errors.InvalidArgumentError as error:
            raise _data_error(spec, error)
        call_model(layer, example, training=False)  # creates the variables
        optimizer = spec.make_optimizer(spec.steps)
        optimizer.build(layer.trainable_variables)
        step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step",
                           aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
    latest = tf.train.latest_checkpoint(str(spec.output_dir))
    # The data position is the iterator's own state where the pipeline can be
    # saved (one device, a pipeline of TF ops); otherwise (a distributed
    # iterator, a Python generator) a resumed run skips the batches already
    # seen, which gives the same deterministic stream.
    has_iterator_state = latest is not None and _holds_iterator(latest)
    model_state = tf.train.Checkpoint(model=layer, optimizer=optimizer, step=step)
    if latest and not has_iterator_state:
        model_state.restore(latest).assert_consumed()  # (sets the step to skip to)
    dataset = _train_dataset(spec, strategy.num_replicas_in_sync)
    iterator = iter(strategy.experimental_distribute_dataset(dataset.skip(_value(step))))
    if isinstance(iterator, tf.__internal__.tracking.Trackable):
        checkpoint = _checkpoint(layer, optimizer, step, iterator)
        if has_iterator_state:
            checkpoint.restore(latest).assert_consumed()  # everything must be there
    else:
        checkpoint = model_state
        if has_iterator_state:  # written by a run whose iterator could be saved
            model_state.restore(latest).expect_partial()
            iterator = iter(strategy.experimental_distribute_dataset(dataset.skip(_value(step))))
    manager = tf.train.CheckpointManager(checkpoint, str(write_dir), spec.keep_checkpoints)
    if latest:
        print(f"resumed from {latest} at step {_value(step)}", flush=True)
    elif spec.tf1_checkpoint:
        report = load_tf1_checkpoint(layer, spec.tf1_checkpoint, skip=spec.skip,
                                     assignment_map=spec.assignment_map)
        print(f"initialised from TF1 checkpoint {spec.tf1_checkpoint}: {len(report.loaded)} "
              f"variables loaded, {len(report.skipped)} left alone (optimizer state, skip rules)",
              flush=True)
    else:
        print("no checkpoint to start from: training from the initializers", flush=True)
    # Only now, with the model, data and starting point known to work, does
    # the run directory get written.
    if chief and not latest:
        write_dir.mkdir(parents=True, exist_ok=True)
        (write_dir / RUN_FILE).write_text(json.dumps(_run_identity(spec), indent=1,
                                                     sort_keys=True))
        (write_dir / "config.gin").write_text(spec.config_text)

    if _value(step) >= spec.steps and _export_step(spec.output_dir / "export") == _value(step):
        print(f"the run in {spec.output_dir} already finished at step {_value(step)}: nothing to do",
              flush=True)
        return {"start_step": _value(step), "step": _value(step), "losses": [],
                "exports": _export_paths(spec.output_dir / "export")}
    writers = _summary_writers(spec.output_dir, chief)
    if _value(step) == 0 and chief:
        with writers["train"].as_default():
            tf.summary.text("config.gin", _markdown_code(spec.config_text), step=0)
    train_step = _make_train_step(layer, optimizer, strategy, step, spec.batch_size, spec.task)
    evaluate = _make_evaluator(layer, spec, strategy) if spec.eval_data is not None else None
    result = {"start_step": _value(step), "losses": []}
    if evaluate is not None and _value(step) == 0:
        result["initial_eval"] = _log_evaluation(evaluate, writers, 0)

    start_time, start_step = time.time(), _value(step)
    while _value(step) < spec.steps:
        try:
            loss = float(train_step(iterator))
        except tf.errors.InvalidArgumentError as error:  # e.g. an image that does not decode
            raise _data_error(spec, error)
        current = _value(step)
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"the loss became {loss} at step {current}; training stopped, the last good "
                f"checkpoint ({manager.latest_checkpoint or 'none'}) is kept.")
        result["losses"].append(loss)
        if current % spec.checkpoint_every == 0:
            manager = _save(manager, current, layer, optimizer, step)
        if current % spec.log_every == 0 or current == spec.steps:
            _log_progress(current, spec, loss, optimizer, start_time, start_step, writers)
        if evaluate is not None and spec.eval_every and current % spec.eval_every == 0 \
                and current != spec.steps:
            _log_evaluation(evaluate, writers, current)
    if _value(step) > start_step and _value(step) % spec.checkpoint_every:
        manager = _save(manager, _value(step), layer, optimizer, step)  # the end, between intervals
    if evaluate is not None:
        result["final_eval"] = _log_evaluation(evaluate, writers, _value(step))
    result["step"] = _value(step)
    # Every worker exports: reading batch-norm statistics (on-read variables)
    # is a collective; the others write into their scratch directory.
    result["exports"] = _export(layer, write_dir, example, _value(step))
    return result


def _data_error(spec, error):
    """A one-line error for data that cannot be read; any other error is re-raised as is."""
    if "IteratorGetNext" not in error.message and "Iterator::" not in error.message:
        return error
    reason = error.message.splitlines()[0].split("]]")[0].rsplit(": ", 1)[-1]
    return FinetuneConfigError(f"data {spec.train_data.name} cannot be read: {reason}")


def _value(variable):
    """The Python int of a (possibly mirrored) counter variable."""
    return int(variable.numpy())


def _checkpoint(layer, optimizer, step, iterator):
    state = dict(model=layer, optimizer=optimizer, step=step)
    if iterator is not None:
        state["data"] = iterator
    return tf.train.Checkpoint(**state)


def _holds_iterator(checkpoint_path):
    names = tf.train.load_checkpoint(checkpoint_path).get_variable_to_shape_map()
    return any(name.startswith("data/") for name in names)


def _save(manager, number, layer, optimizer, step):
    """Saves; if the data pipeline cannot be saved, from then on without it (see above)."""
    try:
        manager.save(checkpoint_number=number)
        return manager
    except tf.errors.FailedPreconditionError as error:
        if "stateful" not in str(error):
            raise
        logging.warning("the data pipeline cannot be saved (%s): resuming will skip the "
                        "batches already seen instead", error.message.splitlines()[0])
        manager = tf.train.CheckpointManager(_checkpoint(layer, optimizer, step, None),
                                             manager.directory, manager._max_to_keep)  # pylint: disable=protected-access
        manager.save(checkpoint_number=number)
        return manager


def _run_identity(spec):
    """What a resumed run must share with the one it resumes (model, and the data stream)."""
    return {"model": spec.model, "model_config": spec.model_config,
            "train_data": spec.train_data.name, "batch_size": spec.batch_size,
            "seed": spec.seed, "shuffle_buffer": spec.shuffle_buffer,
            "preprocess": getattr(spec.preprocess, "__name__", str(spec.preprocess)),
            "task": spec.task.name}


def _check_run_directory(run_dir, spec):
    run_file = run_dir / RUN_FILE
    if run_file.is_file():
        made_by = json.loads(run_file.read_text())
        wanted = _run_identity(spec)
        differences = [f"{key}: {made_by.get(key)!r} there, {wanted[key]!r} now"
                       for key in wanted if made_by.get(key) != wanted[key]]
        if differences:
            raise FinetuneConfigError(
                f"{run_dir} holds a run of another model or data stream "
                f"({'; '.join(differences)}); "
                "resume it with the same settings or choose a new output_dir.")
    elif run_dir.is_dir() and any(run_dir.iterdir()):
        raise FinetuneConfigError(f"{run_dir} is not empty and holds no tf1track run "
                                  f"({RUN_FILE} is missing); choose a new output_dir.")


def _train_dataset(spec, num_replicas, batch=None):
    """The repeated, shuffled, preprocessed and batched training stream (deterministic)."""
    if spec.batch_size % num_replicas:
        raise FinetuneConfigError(f"batch_size {spec.batch_size} does not divide among "
                                  f"{num_replicas} replicas.")
    dataset = spec.train_data.make().repeat()
    dataset = dataset.shuffle(spec.shuffle_buffer, seed=spec.seed,
                              reshuffle_each_iteration=True).enumerate()
    dataset = dataset.map(lambda index, example: spec.preprocess(
        example[0], example[1], _example_seed(spec.seed, index), True))
    # Padded: text examples differ in length (images do not, and are untouched).
    return _with_options(dataset.padded_batch(batch or spec.batch_size, drop_remainder=True))


def _example_seed(run_seed, index):
    """The `[2]` seed of an example's random preprocessing: the run's seed and its index."""
    return tf.stack([tf.constant(run_seed, tf.int64), tf.cast(index, tf.int64)])


def _with_options(dataset):
    options = tf.data.Options()
    # Workers split the one global stream element by element (by file, they
    # would each see other batches and skip() on resume would overshoot).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # A pipeline whose state cannot be saved must say so (then resume skips).
    options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.FAIL
    return dataset.with_options(options)


def _make_train_step(layer, optimizer, strategy, step, global_batch_size, task):
    # Keras clips each replica's gradients before it sums them; with several
    # replicas, clip the sum here instead (as one device would).
    replicas = strategy.num_replicas_in_sync
    clip_norm, clip_value = optimizer.global_clipnorm, optimizer.clipvalue
    if replicas > 1 and optimizer.clipnorm is not None:
        raise FinetuneConfigError("per-variable clipnorm is not supported with several replicas; "
                                  "use make_optimizer.clip_norm (a global norm).")
    if replicas > 1:
        optimizer.global_clipnorm = optimizer.clipvalue = None

    def clipped(gradients):
        if replicas == 1 or (clip_norm is None and clip_value is None):
            return gradients
        summed = tf.distribute.get_replica_context().all_reduce(
            tf.distribute.ReduceOp.SUM, gradients)
        if clip_value is not None:
            summed = [tf.clip_by_value(g, -clip_value, clip_value) for g in summed]
        if clip_norm is not None:
            summed, _ = tf.clip_by_global_norm(summed, clip_norm)
        return [g / replicas for g in summed]  # the optimizer sums the replicas' again

    def replica_step(features, labels):
        with tf.GradientTape() as tape:
            logits = call_model(layer, features, training=True)
            per_example = task.per_example_loss(labels, logits)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch_size)
            # The TF1 regularization losses (slim's weight decay), as TF1 training added them.
            regularization = tf1track_core.regularization_losses(layer)
            if regularization:
                loss += tf.nn.scale_regularization_loss(tf.add_n(regularization))
        variables = layer.trainable_variables
        optimizer.apply_gradients(zip(clipped(tape.gradient(loss, variables)), variables))
        return loss

    @tf.function
    def train_step(iterator):
        features, labels = next(iterator)
        per_replica = strategy.run(replica_step, (features, labels))
        step.assign_add(1)
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    return train_step


def _make_evaluator(layer, spec, strategy):
    batch = spec.eval_batch_size or spec.batch_size
    dataset = spec.eval_data.make().enumerate().map(
        lambda index, example: spec.preprocess(example[0], example[1],
                                               _example_seed(spec.seed, index), False))
    dataset = strategy.experimental_distribute_dataset(
        _with_options(dataset.padded_batch(batch)))

    @tf.function
    def eval_step(features, labels):
        return spec.task.eval_sums(labels, call_model(layer, features, training=False))

    def evaluate():
        totals = np.zeros(3)
        for features, labels in dataset:
            values = strategy.run(eval_step, (features, labels))
            totals += [float(strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None))
                       for v in values]
        return {"loss": totals[0] / max(totals[2], 1), "accuracy": totals[1] / max(totals[2], 1)}

    return evaluate


def _summary_writers(run_dir, chief):
    if not chief:
        return {"train": tf.summary.create_noop_writer(), "eval": tf.summary.create_noop_writer()}
    return {name: tf.summary.create_file_writer(str(run_dir / name)) for name in ("train", "eval")}


def _log_progress(current, spec, loss, optimizer, start_time, start_step, writers):
    elapsed = max(time.time() - start_time, 1e-9)
    steps_per_second = (current - start_step) / elapsed
    eta = (spec.steps - current) / steps_per_second if steps_per_second else float("inf")
    learning_rate = float(tf.convert_to_tensor(optimizer.learning_rate))
    print(f"step {current}/{spec.steps}  loss {loss:.4f}  lr {learning_rate:.3g}  "
          f"{steps_per_second:.2f} steps/s  {steps_per_second * spec.batch_size:.1f} examples/s  "
          f"ETA {_duration(eta)}", flush=True)
    with writers["train"].as_default():
        tf.summary.scalar("loss", loss, step=current)
        tf.summary.scalar("learning_rate", learning_rate, step=current)
        tf.summary.scalar("steps_per_second", steps_per_second, step=current)
        tf.summary.scalar("examples_per_second", steps_per_second * spec.batch_size,
                          step=current)
    writers["train"].flush()


def _log_evaluation(evaluate, writers, current):
    metrics = evaluate()
    print(f"eval at step {current}: " + "  ".join(f"{k} {v:.4f}" for k, v in metrics.items()),
          flush=True)
    with writers["eval"].as_default():
        for name, value in metrics.items():
            tf.summary.scalar(name, value, step=current)
    writers["eval"].flush()
    return metrics


def _export(layer, directory, example, step):
    """Writes `export/` (SavedModel, TF1 checkpoint, its step) via a scratch directory."""
    final = directory / "export"
    partial = directory / "export.partial"
    shutil.rmtree(partial, ignore_errors=True)
    saved_model = export_saved_model(layer, partial / "saved_model", _named_inputs(layer, example))
    tf1 = save_tf1_checkpoint(layer, partial / "tf1" / "model.ckpt")
    del saved_model, tf1
    (partial / "step.json").write_text(json.dumps({"step": step}))
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    exports = _export_paths(final)
    print(f"exported SavedModel to {exports['saved_model']} and the TF1 checkpoint to "
          f"{exports['tf1_checkpoint']}", flush=True)
    return exports


def _named_inputs(layer, example):
    """`{input name: example}` in call order, named as the layer's `example_inputs()`."""
    if isinstance(example, dict):
        return dict(example)
    names = list(layer.example_inputs()) if hasattr(layer, "example_inputs") else ["inputs"]
    values = list(example) if isinstance(example, (tuple, list)) else [example]
    return dict(zip(names, values))


def _export_step(export_dir):
    """The step an export was made at, or None (no complete export there)."""
    try:
        return json.loads((export_dir / "step.json").read_text())["step"]
    except (OSError, ValueError, KeyError):
        return None


def _export_paths(export_dir):
    return {"saved_model": str(export_dir / "saved_model"),
            "tf1_checkpoint": str(export_dir / "tf1" / "model.ckpt")}


def _duration(seconds):
    if not math.isfinite(seconds):
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _markdown_code(text):
    return "\n".join("    " + line for line in text.splitlines())
