"""`finetune`: the gin-configured fine-tuning job `tf1track-finetune` runs.

It composes the pieces of `checkpoints_tools.training` — a data source
(`data`), the model family's preprocessing (`preprocessing`), the optimizer
and schedule (`optimization`) — into one run of the loop (`loop`). Gin files
(configs/*.gin) import this module; every argument is a gin binding. A
family plugs in with a data source, a preprocessing function and a gin file.
"""

import json
import pathlib

import gin
from absl import logging

import zoo
from checkpoints_tools.training import data, generated_text, loop, optimization  # noqa: F401
from checkpoints_tools.training import preprocessing, tasks  # noqa: F401
from checkpoints_tools.training.errors import FinetuneConfigError  # noqa: F401 (re-export)


def _repository_roots():
    """Where shipped files may be: above the working directory, above this package."""
    roots = [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]
    roots += list(pathlib.Path(__file__).resolve().parents)
    return roots


@gin.configurable
def repository_file(path=gin.REQUIRED):
    """The absolute path of a file the repository ships (e.g. the demo's TF1 checkpoint).

    Found from any working directory inside the clone (or beside the package).

    Raises:
      FinetuneConfigError: if no repository root above holds `path`.
    """
    for root in _repository_roots():
        candidate = root / path
        if candidate.exists() or pathlib.Path(str(candidate) + ".index").exists():
            return str(candidate)
    raise FinetuneConfigError(f"repository_file: {path} not found above {pathlib.Path.cwd()} "
                              "(run from inside the tf1track clone).")


@gin.configurable
def join(parts=gin.REQUIRED):
    """`os.path.join(*parts)`: a file inside a directory the config names once."""
    return str(pathlib.Path(*parts))


@gin.configurable
def model_config_file(path=gin.REQUIRED, overrides=None):
    """A model's own JSON config file (`bert_config.json`, t2t `hparams.json`), plus `overrides`.

    Raises:
      FinetuneConfigError: if the file is missing or not a JSON object.
    """
    try:
        config = json.loads(pathlib.Path(path).read_text())
    except OSError as error:
        raise FinetuneConfigError(f"model_config_file: {path}: {error.strerror}.") from None
    except ValueError as error:
        raise FinetuneConfigError(f"model_config_file: {path} is not valid JSON ({error}).") \
            from None
    if not isinstance(config, dict):
        raise FinetuneConfigError(f"model_config_file: {path} is not a JSON object.")
    return {**config, **(overrides or {})}


def find_config(name):
    """A gin file by path, else by name in a shipped `configs/` directory above."""
    if pathlib.Path(name).is_file():
        return name
    for root in _repository_roots():
        for candidate in (root / name, root / "configs" / name):
            if candidate.is_file():
                return str(candidate)
    raise FinetuneConfigError(f"--gin_file {name}: no such file, here or in a configs/ "
                              "directory above.")


@gin.configurable
def finetune(*, model=gin.REQUIRED, model_config=None, train_data=gin.REQUIRED, eval_data=None,
             preprocess=gin.REQUIRED, output_dir=gin.REQUIRED, tf1_checkpoint=None, skip=(),
             assignment_map=None, steps=gin.REQUIRED, batch_size=32, eval_batch_size=None,
             checkpoint_every=100, keep_checkpoints=3, eval_every=0, log_every=10,
             shuffle_buffer=1024, seed=0, strategy="default", task=None):
    """Fine-tunes zoo `model` from `tf1_checkpoint` on `train_data`; returns what happened.

    Args:
      model, model_config: the zoo model and its `zoo.build` kwargs (for a
        classifier, `num_classes` must match the data's).
      train_data, eval_data: `data.Source`s (e.g. `@train/image_folder()`,
        `@eval/tfds_dataset()`); `eval_data` None: no evaluation.
      preprocess: the family's `(features, label, seed, training)` function
        (e.g. `@preprocessing.slim_vgg`).
      output_dir: the run directory (resumed from when it holds a run).
      tf1_checkpoint, skip, assignment_map: the original TF1 checkpoint to
        start from, by name (`skip`: patterns left alone, e.g. a new head).
      steps: the total number of training steps.
      batch_size, eval_batch_size: global batch sizes (split among replicas).
      checkpoint_every, keep_checkpoints: save every N steps, keep the last K.
      eval_every, log_every: evaluate / print progress every N steps.
      shuffle_buffer, seed: the data order and the new variables' initial values.
      strategy: "default", "mirrored" or "multi_worker" (or a tf.distribute strategy).
      task: what the run optimises (`@classification()`, the default, or
        `@sequence_to_sequence()` for target ids).

    Returns:
      A dict: `step`, `losses` (this invocation's), `initial_eval`, `final_eval`,
      `exports`.
    """
    train_source = train_data
    config = dict(model_config or {})
    for key in ("num_classes", "num_labels"):  # (slim and official; BERT)
        if train_source.num_classes and config.get(key, train_source.num_classes) \
                != train_source.num_classes:
            raise FinetuneConfigError(
                f"finetune.model_config: {key} is {config[key]}, but "
                f"{train_source.name} has {train_source.num_classes} classes.")
    strategy = loop.make_strategy(strategy) if isinstance(strategy, str) else strategy
    spec = loop.RunSpec(
        model=model, model_config=config, build_layer=lambda: zoo.build(model, **config),
        train_data=train_source, eval_data=eval_data, preprocess=preprocess,
        make_optimizer=lambda total: optimization.make_optimizer(
            optimization.learning_rate_schedule(total_steps=total)),
        output_dir=pathlib.Path(output_dir), steps=steps, batch_size=batch_size,
        tf1_checkpoint=tf1_checkpoint, skip=tuple(skip), assignment_map=assignment_map,
        eval_batch_size=eval_batch_size, checkpoint_every=checkpoint_every,
        keep_checkpoints=keep_checkpoints, eval_every=eval_every, log_every=log_every,
        shuffle_buffer=shuffle_buffer, seed=seed, config_text=gin.config_str(),
        task=task or tasks.classification())
    result = loop.train(spec, strategy)
    result["output_dir"] = str(spec.output_dir)
    if loop.is_chief(strategy) and result["losses"]:  # (a finished run rerun trains nothing)
        # The operative config: what the run actually used, defaults included.
        operative = gin.operative_config_str()
        (spec.output_dir / "config.gin").write_text(operative)
        logging.info("Operative gin config:\n%s", operative)
    return result
