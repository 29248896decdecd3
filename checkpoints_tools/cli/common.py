"""What the binaries share: JSON-or-file flag values and one-line user errors."""

import json
import os
import sys

from checkpoints_tools.goldens import GoldenError
from checkpoints_tools.loader import CheckpointLoadError
from checkpoints_tools.reader import CheckpointError

# Errors caused by what the user passed: reported in one line, no traceback.
USER_ERRORS = (CheckpointError, CheckpointLoadError, GoldenError, ValueError, TypeError,
               FileNotFoundError)


class UserError(ValueError):
    """A bad flag value, reported as one line."""


def parse_json_flag(flag_name, value, default=None):
    """A flag holding a JSON file path or inline JSON; `default` when empty."""
    if not value:
        return default
    if os.path.isfile(value):
        with open(value) as handle:
            text, where = handle.read(), f"file {value}"
    else:
        text, where = value, "inline value"
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if not value.lstrip().startswith(("{", "[")) and not os.path.exists(value):
            raise UserError(f"--{flag_name}: {value!r} is neither an existing file nor inline "
                            "JSON.") from None
        raise UserError(f"--{flag_name}: {where} is not valid JSON ({error}).") from None


def run_reporting_user_errors(program, main, argv):
    """Runs `main(argv)`; a user error prints `program: error: ...` on one line, exit 1.

    Arguments besides the program name (absl leaves what is not a flag) are
    such an error: the binaries take flags only.
    """
    try:
        if len(argv) > 1:
            raise UserError(f"unexpected arguments: {' '.join(argv[1:])}")
        return main(argv)
    except USER_ERRORS as error:
        message = " ".join(str(error).split())
        print(f"{program}: error: {message}", file=sys.stderr)
        sys.exit(1)
