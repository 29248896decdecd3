"""tf1track-finetune: fine-tune a zoo model from its original TF1 checkpoint, configured with gin.

    tf1track-finetune --gin_file=configs/demo.gin
    tf1track-finetune --gin_file=configs/slim_resnet_finetune.gin \\
        --gin_bindings='finetune.output_dir = "/tmp/run"' --gin_bindings=... \\
        [--strategy=default|mirrored|multi_worker]

Includes in a gin file (`include 'configs/training_defaults.gin'`) resolve
from any directory above it. User errors (an unbound `%gin.REQUIRED`, a
missing dataset, a run directory of another model) print one line and exit 1;
a diverged run exits 1 keeping its last good checkpoint.
"""

import pathlib
import sys

import gin
from absl import flags

from checkpoints_tools.cli.common import UserError
from checkpoints_tools.cli.common import run_app
from checkpoints_tools.finetuning import find_config
from checkpoints_tools.finetuning import finetune
from checkpoints_tools.training.errors import TrainingDivergedError
from checkpoints_tools.training.loop import STRATEGIES, make_strategy


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    # The strategy first: MultiWorkerMirroredStrategy must exist before other TF work.
    strategy = make_strategy(flags.FLAGS.strategy)
    gin_files = [find_config(name) for name in flags.FLAGS.gin_file]
    for gin_file in gin_files:
        # Includes such as 'configs/training_defaults.gin' resolve from any
        # directory above the file (the repository root among them).
        for directory in pathlib.Path(gin_file).resolve().parents:
            gin.add_config_file_search_path(str(directory))
    try:
        gin.parse_config_files_and_bindings(gin_files, flags.FLAGS.gin_bindings)
    except SyntaxError as error:  # gin: where and what
        where = f"{error.filename or '--gin_bindings'}:{error.lineno}" if error.lineno \
            else (error.filename or "--gin_bindings")
        raise UserError(f"gin config: {where}: {error.msg} ({(error.text or '').strip()!r})") \
            from None
    except (OSError, ValueError) as error:
        raise UserError(f"gin config: {' '.join(str(error).split())}") from None
    try:
        result = finetune(strategy=strategy)
    except RuntimeError as error:
        if isinstance(error, TrainingDivergedError):
            raise UserError(str(error)) from None
        if "REQUIRED" not in str(error) and "required" not in str(error):
            raise
        raise UserError(f"gin config: {' '.join(str(error).split())}") from None
    _print_summary(result)


def _print_summary(result):
    output_dir = result["output_dir"]
    if "final_eval" in result:
        before = result.get("initial_eval")
        after = result["final_eval"]
        gain = f" (from {before['accuracy']:.4f} at step 0)" if before else ""
        print(f"eval accuracy {after['accuracy']:.4f} at step {result['step']}{gain}")
    for what, path in result.get("exports", {}).items():
        print(f"{what}: {path}")
    print(f"TensorBoard: tensorboard --logdir={output_dir}")


def run():
    """Console-script entry point."""
    flags.DEFINE_multi_string("gin_file", [], "Gin config files (configs/*.gin).")
    flags.DEFINE_multi_string("gin_bindings", [], "Gin bindings overriding the files.")
    flags.DEFINE_enum("strategy", "default", STRATEGIES,
                      "tf.distribute strategy: default (one device), mirrored (every local "
                      "device), multi_worker (the cluster of TF_CONFIG).")
    run_app("tf1track-finetune", __name__, main)


if __name__ == "__main__":
    run()
