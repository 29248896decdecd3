"""tf1track-load: load a TF1 checkpoint into a zoo model and write TF2 artifacts.

    tf1track-load --model=NAME --config=JSON_OR_FILE --checkpoint=PATH --output_dir=DIR
                  [--assignment_map=JSON] [--skip=REGEX ...] [--nostrict]

`--config` is a JSON file or inline JSON of `zoo.build` kwargs; a model's own
config file (t2t `hparams.json`, `bert_config.json`, nmt `hparams`) is
accepted as is. The model is loaded by TF1 name (strictly unless
`--nostrict`), the load report is printed and written to
`DIR/load_report.txt`, and DIR receives a TF2 checkpoint and a SavedModel with
a `serving_default` signature.
"""

import pathlib
import sys

from absl import app
from absl import flags

import zoo
from checkpoints_tools.cli.common import UserError, parse_json_flag, run_reporting_user_errors
from checkpoints_tools.converter import export_tf2
from checkpoints_tools.loader import load_tf1_checkpoint


def load_and_convert(*, model, config, checkpoint, output_dir, assignment_map=None, skip=(),
                     strict=True, out=None):
    """Builds the zoo model, loads the TF1 checkpoint, writes TF2 artifacts; returns the report."""
    out = out or sys.stdout
    layer = zoo.build(model, **(config or {}))
    inputs = layer.example_inputs()
    layer(*inputs.values(), training=False)  # create the variables
    report = load_tf1_checkpoint(layer, checkpoint, assignment_map=assignment_map, skip=skip,
                                 strict=strict)
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "load_report.txt").write_text(report.summary() + "\n")
    checkpoint_path, saved_model_dir = export_tf2(layer, output_dir, inputs)
    print(report.summary(), file=out)
    print(f"TF2 checkpoint: {checkpoint_path}\nSavedModel: {saved_model_dir}", file=out)
    return report


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    config = parse_json_flag("config", flags.FLAGS.config, default={})
    if not isinstance(config, dict):
        raise UserError("--config: must be a JSON object of zoo.build keyword arguments.")
    assignment_map = parse_json_flag("assignment_map", flags.FLAGS.assignment_map)
    if isinstance(assignment_map, list):
        assignment_map = [tuple(rule) for rule in assignment_map]
    load_and_convert(model=flags.FLAGS.model, config=config, checkpoint=flags.FLAGS.checkpoint,
                     output_dir=flags.FLAGS.output_dir, assignment_map=assignment_map,
                     skip=flags.FLAGS.skip or (), strict=flags.FLAGS.strict)


def run():
    """Console-script entry point."""
    flags.DEFINE_string("model", None, "Zoo model name (see zoo.names()).", required=True)
    flags.DEFINE_string("config", "", "JSON file or inline JSON of zoo.build kwargs.")
    flags.DEFINE_string("checkpoint", None, "TF1 checkpoint prefix, directory or V1 file.",
                        required=True)
    flags.DEFINE_string("output_dir", None, "Where to write the TF2 checkpoint and SavedModel.",
                        required=True)
    flags.DEFINE_string("assignment_map", "",
                        'JSON: {"old_scope/": "new_scope/"} or [["regex", "replacement"|null]].')
    flags.DEFINE_multi_string("skip", [], "Regex of checkpoint/model names to leave alone.")
    flags.DEFINE_boolean("strict", True, "Fail on any missing, unexpected or mismatched name.")
    app.run(lambda argv: run_reporting_user_errors("tf1track-load", main, argv))


if __name__ == "__main__":
    run()
