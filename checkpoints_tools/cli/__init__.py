"""The absl binaries. Importing this package quiets TensorFlow's start-up noise.

TensorFlow prints oneDNN, CUDA-stub and "absl::InitializeLog" lines while it
loads, from C++, before any Python logging setting applies; for a
command-line tool they are noise. Unless `--verbose` is given, TensorFlow is
imported here with the process's stderr muted for that moment (and
`TF_CPP_MIN_LOG_LEVEL` at 2, unless the user set it: C++ warnings and INFO
off, errors on), so later errors still reach the terminal.
"""

import os
import sys

VERBOSE = any(arg in ("--verbose", "--verbose=true", "--verbose=True") for arg in sys.argv)


def _import_tensorflow_quietly():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # C++ errors still show
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf  # pylint: disable=import-outside-toplevel
        tf.config.list_physical_devices()  # (device discovery prints too)
        tf.get_logger().setLevel("ERROR")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


if not VERBOSE and "tensorflow" not in sys.modules:
    _import_tensorflow_quietly()
