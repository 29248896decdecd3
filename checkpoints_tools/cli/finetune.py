"""tf1track-finetune: the binary around `checkpoints_tools.finetuning.finetune`, configured with gin.

    tf1track-finetune --gin_file=configs/resnet_v1_50_finetune.gin \
        --gin_bindings='finetune.output_dir="/tmp/run"' --gin_bindings=...

Includes in a gin file (`include 'configs/training_defaults.gin'`) resolve
from any directory above it. User errors, an unbound `%gin.REQUIRED` among
them, print one line and exit non-zero.
"""

import pathlib
import sys

import gin
from absl import app
from absl import flags

from checkpoints_tools.cli.common import UserError, run_reporting_user_errors
from checkpoints_tools.finetuning import finetune


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    for gin_file in flags.FLAGS.gin_file:
        # Includes such as 'configs/training_defaults.gin' resolve from any
        # directory above the file (the repository root among them).
        for directory in pathlib.Path(gin_file).resolve().parents:
            gin.add_config_file_search_path(str(directory))
    try:
        gin.parse_config_files_and_bindings(flags.FLAGS.gin_file, flags.FLAGS.gin_bindings)
    except (OSError, ValueError) as error:
        raise UserError(f"gin config: {' '.join(str(error).split())}") from None
    try:
        history = finetune()
    except RuntimeError as error:  # gin: a %gin.REQUIRED value was not bound
        if "REQUIRED" not in str(error) and "required" not in str(error):
            raise
        raise UserError(f"gin config: {' '.join(str(error).split())}") from None
    print(f"final loss {history['loss'][-1]:.4f}")


def run():
    """Console-script entry point."""
    flags.DEFINE_multi_string("gin_file", [], "Gin config files (configs/*.gin).")
    flags.DEFINE_multi_string("gin_bindings", [], "Gin bindings overriding the files.")
    app.run(lambda argv: sys.exit(run_reporting_user_errors("tf1track-finetune", main, argv)))


if __name__ == "__main__":
    run()
