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


def define_common_flags():
    """Flags every binary has: `--verbose` (TensorFlow's start-up and INFO logging)."""
    from absl import flags  # pylint: disable=import-outside-toplevel
    flags.DEFINE_boolean("verbose", False, "Show TensorFlow's start-up messages and INFO logs.")


def quiet_logging_unless_verbose():
    """Python-side logging at WARNING unless --verbose (C++ start-up noise: see cli/__init__)."""
    from absl import flags, logging  # pylint: disable=import-outside-toplevel
    if not flags.FLAGS.verbose:
        logging.set_verbosity(logging.WARNING)


def run_app(program, module_name, main, user_error_exit=1):
    """Runs a binary: its `--help` (its own flags, with its docstring's example), then `main`.

    absl's own `--help` documents the module of `sys.argv[0]`, which for a
    console script is pip's entry-point shim: it listed no flag and exited 1.

    Args:
      program: the console-script name (for messages).
      module_name: the binary's module (its docstring and flags are the help).
      main: the absl main; its return value is the exit status.
      user_error_exit: the exit status of a user error.
    """
    from absl import app, flags  # pylint: disable=import-outside-toplevel
    define_common_flags()
    if any(arg in ("--help", "-h", "--helpshort") for arg in sys.argv[1:]):
        print((sys.modules[module_name].__doc__ or program).strip())
        print("\nflags:")
        for module in (module_name, __name__):
            help_text = flags.FLAGS.module_help(module)
            print("\n".join(line for line in help_text.splitlines()
                            if line.strip() and line.strip() != f"{module}:"))
        sys.exit(0)
    app.run(lambda argv: sys.exit(run_reporting_user_errors(program, main, argv,
                                                            user_error_exit)))


def run_reporting_user_errors(program, main, argv, user_error_exit=1):
    """Runs `main(argv)`; a user error prints `program: error: ...` on one line, exit 1.

    Arguments besides the program name (absl leaves what is not a flag) are
    such an error: the binaries take flags only.
    """
    try:
        quiet_logging_unless_verbose()
        if len(argv) > 1:
            raise UserError(f"unexpected arguments: {' '.join(argv[1:])}")
        return main(argv)
    except CheckpointLoadError as error:
        _print_load_error(program, error)
        sys.exit(user_error_exit)
    except USER_ERRORS as error:
        message = " ".join(str(error).split())
        print(f"{program}: error: {message}", file=sys.stderr)
        sys.exit(user_error_exit)


MAX_PROBLEM_LINES = 20


def _print_load_error(program, error):
    """A strict load failure: a header, one problem per line (the first 20), a fix if known."""
    report = error.report
    lines = report.problem_lines()
    print(f"{program}: error: {' '.join(str(error.headline).split())} ({len(lines)} problems)",
          file=sys.stderr)
    for line in lines[:MAX_PROBLEM_LINES]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > MAX_PROBLEM_LINES:
        print(f"  ... and {len(lines) - MAX_PROBLEM_LINES} more", file=sys.stderr)
    suggestion = report.prefix_suggestion()
    if suggestion:
        print(f"  every name differs by its leading scope: try --assignment_map='"
              f"{json.dumps(suggestion)}'", file=sys.stderr)
