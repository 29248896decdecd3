r"""tf1track-load: load a TF1 checkpoint into a zoo model and write TF2 artifacts.

    tf1track-load --model=NAME --config=JSON_OR_FILE --checkpoint=PATH --output_dir=DIR
                  [--assignment_map=JSON] [--skip=REGEX ...] [--nostrict] [--overwrite]

    tf1track-load --model=resnet_v1_50 --config='{"num_classes": 1000}' \
                  --checkpoint=resnet_v1_50.ckpt --output_dir=out/

`--config` is a JSON file or inline JSON of `zoo.build` kwargs; a model's own
config file (t2t `hparams.json`, `bert_config.json`, nmt `hparams`) is
accepted as is, and repeated `--config` values merge in order:

    tf1track-load --model=transformer --config=hparams.json \
                  --config='{"vocab_size": 8190}' --checkpoint=model.ckpt-1 --output_dir=out/

The model is loaded by TF1 name (strictly unless `--nostrict`), the load
report is printed and written to `DIR/load_report.txt`, and DIR receives a TF2 checkpoint (`tf2_checkpoint/`)
and a SavedModel (`saved_model/`) with a `serving_default` signature, only
when all of it is written. A strict failure prints one problem per line (and
the `--assignment_map` that fixes a checkpoint saved under another scope).
"""

import pathlib
import shutil
import sys

import tensorflow as tf
from absl import flags

import zoo
from checkpoints_tools.cli.common import UserError
from checkpoints_tools.cli.common import parse_json_flag
from checkpoints_tools.cli.common import run_app
from checkpoints_tools.converter import export_tf2
from checkpoints_tools.loader import load_tf1_checkpoint


def load_and_convert(*, model, config, checkpoint, output_dir, assignment_map=None, skip=(),
                     strict=True, overwrite=False, out=None):
    """Builds the zoo model, loads the TF1 checkpoint, writes TF2 artifacts; returns the report.

    Writes `output_dir/tf2_checkpoint/`, `saved_model/` and `load_report.txt`,
    into a scratch directory renamed when complete (a failure writes nothing).

    Raises:
      UserError: if `output_dir` is not empty and `overwrite` is False.
    """
    out = out or sys.stdout
    output_dir = pathlib.Path(output_dir)
    if output_dir.is_dir() and any(output_dir.iterdir()) and not overwrite:
        raise UserError(f"--output_dir {output_dir} is not empty; pass --overwrite to replace "
                        "what is there.")
    layer = zoo.build(model, **(config or {}))
    inputs = layer.example_inputs()
    layer(*inputs.values(), training=False)  # create the variables
    report = load_tf1_checkpoint(layer, checkpoint, assignment_map=assignment_map, skip=skip,
                                 strict=strict)
    partial = output_dir.with_name(output_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
        (partial / "load_report.txt").write_text(report.summary() + "\n")
        export_tf2(layer, partial, inputs)
        shutil.rmtree(output_dir, ignore_errors=True)
        partial.rename(output_dir)
    finally:
        shutil.rmtree(partial, ignore_errors=True)  # (gone once renamed)
    checkpoint_path = tf.train.latest_checkpoint(str(output_dir / "tf2_checkpoint")) or \
        str(output_dir / "tf2_checkpoint")
    saved_model_dir = str(output_dir / "saved_model")
    print(report.summary(), file=out)
    print(f"TF2 checkpoint: {checkpoint_path}\nSavedModel: {saved_model_dir}", file=out)
    return report


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    config = {}
    # Repeated --config values merge in order: a model's own config file,
    # then what it lacks (a t2t hparams.json has no vocab_size).
    for value in flags.FLAGS.config:
        part = parse_json_flag("config", value, default={})
        if not isinstance(part, dict):
            raise UserError(f"--config {value!r}: must be a JSON object of zoo.build keyword "
                            "arguments.")
        config.update(part)
    assignment_map = parse_json_flag("assignment_map", flags.FLAGS.assignment_map)
    if isinstance(assignment_map, list):
        assignment_map = [tuple(rule) for rule in assignment_map]
    load_and_convert(model=flags.FLAGS.model, config=config, checkpoint=flags.FLAGS.checkpoint,
                     output_dir=flags.FLAGS.output_dir, assignment_map=assignment_map,
                     skip=flags.FLAGS.skip or (), strict=flags.FLAGS.strict,
                     overwrite=flags.FLAGS.overwrite)


def run():
    """Console-script entry point."""
    flags.DEFINE_string("model", None, "Zoo model name (see zoo.names()).", required=True)
    flags.DEFINE_multi_string("config", [], "JSON file or inline JSON of zoo.build kwargs; "
                              "repeat to merge (later values win).")
    flags.DEFINE_string("checkpoint", None, "TF1 checkpoint prefix, directory or V1 file.",
                        required=True)
    flags.DEFINE_string("output_dir", None, "Where to write the TF2 checkpoint and SavedModel.",
                        required=True)
    flags.DEFINE_string("assignment_map", "",
                        'JSON: {"old_scope/": "new_scope/"} or [["regex", "replacement"|null]].')
    flags.DEFINE_multi_string("skip", [], "Regex of checkpoint/model names to leave alone.")
    flags.DEFINE_boolean("strict", True, "Fail on any missing, unexpected or mismatched name.")
    flags.DEFINE_boolean("overwrite", False, "Replace what a non-empty --output_dir holds.")
    run_app("tf1track-load", __name__, main)


if __name__ == "__main__":
    run()
