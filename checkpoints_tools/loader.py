"""Loading a TF1 name-based checkpoint into a tracked layer, model or module.

Loading has three phases, so a failed load assigns nothing:

1. plan — match every checkpoint tensor to a model variable by name (after
   the assignment map, skip rules and per-model translations) and compare
   shapes and dtypes; with `strict=True` any problem raises here;
2. verify — read every planned tensor once (TensorFlow checks sizes and
   checksums);
3. assign — read again and assign.

Reads go in batches no larger than the largest planned tensor, each dropped
(or adopted by its variable) before the next, so the extra memory a load
needs stays about one tensor, never the checkpoint.

Per-model translations cover what names alone cannot: a model (or any layer
or module inside it) may define `tf1_checkpoint_translations(tensors)`, taking
the checkpoint's `{name: TensorInfo}` and returning `(target, sources,
combine, shape)` tuples: model variable `target` (shape `shape`) gets
`combine([values of sources])`, e.g. concatenated embedding shards.
"""

import collections
import contextlib
import dataclasses
import re

import numpy as np
import tensorflow as tf

import tf1track_core
from tf1track_core.inspection import nested_objects
from checkpoints_tools.names import NameMap, classify_training_state
from checkpoints_tools.reader import CheckpointError, TF1Checkpoint

Translation = collections.namedtuple("Translation", ["target", "sources", "combine", "shape"])


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """A model variable and a checkpoint tensor with the same name but another shape or dtype."""

    model_name: str
    checkpoint_name: str
    model_shape: tuple
    model_dtype: str
    checkpoint_shape: tuple
    checkpoint_dtype: str

    def __str__(self):
        return (f"{self.model_name}: model {self.model_shape} {self.model_dtype}, checkpoint "
                f"{self.checkpoint_name} {self.checkpoint_shape} {self.checkpoint_dtype}")


@dataclasses.dataclass
class LoadReport:
    """What a load did: loaded, missing, unexpected, mismatched and skipped names."""

    checkpoint: str
    loaded: list = dataclasses.field(default_factory=list)  # (model name, checkpoint source)
    missing: list = dataclasses.field(default_factory=list)  # model names
    unexpected: list = dataclasses.field(default_factory=list)  # checkpoint names
    mismatched: list = dataclasses.field(default_factory=list)  # Mismatch
    skipped: list = dataclasses.field(default_factory=list)  # (name, why)

    @property
    def ok(self):
        """True when nothing is missing, unexpected or mismatched."""
        return not (self.missing or self.unexpected or self.mismatched)

    def problems(self):
        """One phrase per kind of problem, naming every name at fault."""
        found = []
        if self.missing:
            found.append(f"{len(self.missing)} missing from the checkpoint: "
                         + ", ".join(self.missing))
        if self.unexpected:
            found.append(f"{len(self.unexpected)} unexpected in the checkpoint: "
                         + ", ".join(self.unexpected))
        if self.mismatched:
            found.append(f"{len(self.mismatched)} mismatched: "
                         + "; ".join(str(m) for m in self.mismatched))
        return found

    def problem_lines(self):
        """One line per problem: `missing: name`, `unexpected: name`, `mismatched: ...`."""
        return ([f"missing from the checkpoint: {name}" for name in self.missing]
                + [f"unexpected in the checkpoint: {name}" for name in self.unexpected]
                + [f"mismatched: {m}" for m in self.mismatched])

    def prefix_suggestion(self):
        """The assignment map that explains every problem by a leading scope, or None.

        When each missing model name and one unexpected checkpoint name differ
        only by a leading scope (a model built under another scope name), that
        map is what fixes the load; else None.
        """
        if self.mismatched or not self.missing or len(self.missing) != len(self.unexpected):
            return None
        model, checkpoint = sorted(self.missing), sorted(self.unexpected)
        for model_prefix in {name.split("/", 1)[0] + "/" for name in model} | {""}:
            for checkpoint_prefix in {name.split("/", 1)[0] + "/" for name in checkpoint} | {""}:
                if model_prefix == checkpoint_prefix:
                    continue
                renamed = sorted(model_prefix + name[len(checkpoint_prefix):] for name in checkpoint
                                 if name.startswith(checkpoint_prefix))
                if renamed == model:
                    if not model_prefix:  # drop a scope: a regex rule (a dict cannot)
                        return [[f"^{re.escape(checkpoint_prefix)}", ""]]
                    return {checkpoint_prefix or "/": model_prefix}
        return None

    def summary(self):
        """A readable multi-line account of the load."""
        kinds = collections.Counter(why for _, why in self.skipped)
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(kinds.items()))
        lines = [f"Loaded {len(self.loaded)} variables from {self.checkpoint}"
                 + (f" (skipped {len(self.skipped)}: {skipped})" if self.skipped else "") + "."]
        for label, names in (("Missing from the checkpoint", self.missing),
                             ("Unexpected in the checkpoint", self.unexpected),
                             ("Shape/dtype mismatch", [str(m) for m in self.mismatched])):
            if names:
                lines.append(f"{label} ({len(names)}):")
                lines.extend(f"  {name}" for name in names)
        return "\n".join(lines)


class CheckpointLoadError(ValueError):
    """A strict load found problems; nothing was assigned. `report` has the details."""

    def __init__(self, report, what):
        self.report = report
        self.headline = f"cannot load {report.checkpoint} into {what}"
        super().__init__(f"{self.headline}: " + "; ".join(report.problems()))


@dataclasses.dataclass
class _Target:
    """A model variable by its TF1 name; partitioned variables are one target of many parts."""

    name: str
    shape: tuple
    dtype: tf.DType
    parts: list  # (variable, offset or None, part shape)

    def assign(self, value):
        for variable, offset, shape in self.parts:
            if offset is not None:
                value_part = value[tuple(slice(o, o + s) for o, s in zip(offset, shape))]
            else:
                value_part = value
            variable.assign(value_part, read_value=False)


def load_tf1_checkpoint(layer_or_module, path, assignment_map=None, strict=True, skip=(),
                        skip_training_state=True, translations=()):
    """Loads a TF1 name-based checkpoint into a tracked object, by TF1 variable name.

    Example:

    ```python
    model = zoo.build("resnet_v1_50", num_classes=1000)
    model(tf.zeros([1, 224, 224, 3]))           # variables exist after a call
    report = load_tf1_checkpoint(model, "resnet_v1_50.ckpt")
    print(report.summary())
    ```

    Args:
      layer_or_module: a Keras layer/model or `tf.Module` whose variables exist.
      path: checkpoint prefix, directory, V1 file (see `resolve_checkpoint_path`).
      assignment_map: TF1 prefix dict or ordered `(pattern, replacement)` rules.
      strict: raise `CheckpointLoadError` on any missing, unexpected or
        mismatched name, assigning nothing. With False, load what matches.
      skip: regex patterns of checkpoint or model names to leave alone.
      skip_training_state: skip optimizer slots, `global_step` and bookkeeping.
      translations: extra `(target, sources, combine, shape)` translations.

    Returns:
      A `LoadReport`.

    Raises:
      CheckpointLoadError, CheckpointError (unreadable files), ValueError (an
      object without variables or a malformed map). In every case nothing
      has been assigned, unless the files change between the verify and the
      assign pass: that CheckpointError says how many variables were assigned.
    """
    checkpoint = TF1Checkpoint(path)
    with _read_ahead_if_worth_it(checkpoint):  # the disk works while we plan and verify
        report, direct, combined = _plan_or_raise(
            layer_or_module, checkpoint, NameMap(assignment_map, skip=skip,
                                                 skip_training_state=skip_training_state),
            translations, strict)
        # Verify: a truncated or corrupt file fails here, before anything is assigned.
        # (`del` drops each batch before the next is asked for.)
        for batch in checkpoint.read_batches(**_verify_reads(checkpoint, direct)):
            del batch
        for _, read in combined:
            read()
    _assign(checkpoint, direct, combined)
    return report


def _assign(checkpoint, direct, combined):
    """The assign pass: reads again (verified just before) and assigns.

    Should the files change or vanish between the passes (a Saver pruning old
    checkpoints, say), a read fails here after some variables were assigned:
    that is reported as such, never silently.
    """
    total, assigned = len(direct) + len(combined), 0
    try:
        for batch in checkpoint.read_batches(**_assign_reads(checkpoint, direct)):
            while batch:
                name, value = batch.popitem()
                direct[name].assign(value)  # the variable adopts the buffer: no copy
                assigned += 1
                del value
            del batch
        for target, read in combined:
            target.assign(read())
            assigned += 1
    except CheckpointError as error:
        raise CheckpointError(
            f"{error} The files changed after they were verified: {assigned} of {total} "
            "variables were assigned, the rest were not; load again.") from None


def _plan_or_raise(obj, checkpoint, name_map, translations, strict):
    """The report and what to read: `{checkpoint name: _Target}` and combined reads."""
    what = f"{type(obj).__name__} {getattr(obj, 'name', '')}".strip()
    targets = _targets(obj)
    if not targets:
        raise ValueError(f"{what} has no variables yet: call it once on inputs (or build it) "
                         "before loading a checkpoint into it.")
    all_translations = [Translation(*t) for t in translations] + _model_translations(
        obj, checkpoint)
    report, plan = _plan(checkpoint, targets, name_map, all_translations)
    if strict and not report.ok:
        raise CheckpointLoadError(report, what)
    direct = {source: target for target, source in plan if isinstance(source, str)}
    combined = [(target, source) for target, source in plan if not isinstance(source, str)]
    return report, direct, combined


def _targets(obj):
    """The object's variables as `_Target`s, partitioned parts grouped by full name."""
    targets = {}
    for name, variable in tf1track_core.tf1_variables(obj).items():
        info = variable._get_save_slice_info() if hasattr(variable, "_get_save_slice_info") else None  # pylint: disable=protected-access
        if info is None:
            targets[name] = _Target(name, tuple(variable.shape), variable.dtype.base_dtype,
                                    [(variable, None, tuple(variable.shape))])
            continue
        target = targets.setdefault(info.full_name, _Target(
            info.full_name, tuple(info.full_shape), variable.dtype.base_dtype, []))
        target.parts.append((variable, tuple(info.var_offset), tuple(info.var_shape)))
    return targets


def _read_ahead_if_worth_it(checkpoint):
    """`checkpoint.reading_ahead()` when nearly all of the data files' bytes are weights.

    Decided from names alone, before planning, so the disk starts at once. Not
    for a checkpoint saved with an optimizer: Adam's slots triple the bytes,
    interleaved with the weights, and reading them ahead costs more than it saves.
    """
    weights = sum(info.num_bytes for name, info in checkpoint.tensors.items()
                  if classify_training_state(name) is None)
    if weights >= 0.9 * checkpoint.data_bytes():
        return checkpoint.reading_ahead()
    return contextlib.nullcontext()


def _batch_bytes(checkpoint, names, fraction):
    largest = max([checkpoint.tensors[n].num_bytes for n in names] + [1])
    return max(largest // fraction, 1)


def _verify_reads(checkpoint, names):
    """Checkpoint order (sequential on disk), batches of up to half the largest tensor."""
    names = sorted(names)
    return dict(names=names, max_batch_bytes=_batch_bytes(checkpoint, names, 2))


def _assign_reads(checkpoint, names):
    """Largest tensors first, batches of up to a quarter of the largest tensor.

    An assigned variable adopts the buffer its value was read into and frees
    its old one. Largest first, each later (smaller) read fits in memory that
    was just freed, so neither malloc nor TF's pooling oneDNN allocator has
    to grow: measured, this keeps the peak near one largest tensor where
    checkpoint order needs a third more (see benchmarks/checkpoint_load.py).
    """
    names = sorted(names, key=lambda n: checkpoint.tensors[n].num_bytes, reverse=True)
    return dict(names=names, max_batch_bytes=_batch_bytes(checkpoint, names, 4))


def _model_translations(obj, checkpoint):
    """Translations declared by the object or any layer/module inside it."""
    found = []
    for candidate in nested_objects(obj):
        declare = getattr(candidate, "tf1_checkpoint_translations", None)
        if callable(declare):
            found.extend(Translation(*t) for t in declare(checkpoint.tensors))
    return found


def _plan(checkpoint, targets, name_map, translations):
    """Matches names and checks shapes.

    Returns the report and `(target, source)` pairs: `source` is a checkpoint
    name, or for a translation a zero-argument function returning the value.
    """
    report = LoadReport(checkpoint=checkpoint.path)
    plan = []
    matched = set()
    consumed = set()
    for translation in translations:
        target = targets.get(translation.target)
        missing_sources = [s for s in translation.sources if s not in checkpoint]
        if target is None or missing_sources:
            continue  # not applicable to this checkpoint or model
        consumed.update(translation.sources)
        source_desc = f"{len(translation.sources)} tensors " \
                      f"{translation.sources[0]} .. {translation.sources[-1]}"
        dtype = checkpoint.tensors[translation.sources[0]].dtype
        if tuple(translation.shape) != target.shape or dtype != target.dtype:
            report.mismatched.append(Mismatch(target.name, source_desc, target.shape,
                                              target.dtype.name, tuple(translation.shape),
                                              dtype.name))
            continue
        matched.add(target.name)
        report.loaded.append((target.name, source_desc))
        plan.append((target, _combined_reader(checkpoint, translation)))
    for name, info in checkpoint.tensors.items():
        if name in consumed:
            continue
        model_name, why = name_map.map(name)
        if model_name is None:
            report.skipped.append((name, why))
            continue
        target = targets.get(model_name)
        if target is None or name_map.skips_model_name(model_name):
            report.unexpected.append(name)
            continue
        if info.shape != target.shape or info.dtype != target.dtype:
            report.mismatched.append(Mismatch(model_name, name, target.shape, target.dtype.name,
                                              info.shape, info.dtype.name))
            matched.add(model_name)
            continue
        matched.add(model_name)
        report.loaded.append((model_name, name))
        plan.append((target, name))
    for name in targets:
        if name not in matched:
            if name_map.skips_model_name(name):
                report.skipped.append((name, "skip pattern (model)"))
            else:
                report.missing.append(name)
    return report, plan


def _combined_reader(checkpoint, translation):
    def read():
        value = np.asarray(translation.combine([checkpoint.read(s) for s in translation.sources]))
        if tuple(value.shape) != tuple(translation.shape):
            raise ValueError(f"translation to {translation.target} produced shape {value.shape}, "
                             f"declared {tuple(translation.shape)}")
        return value
    return read
