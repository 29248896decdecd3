"""`install()`: make the `tf.compat.v1` names TF1 code uses resolve to tf1track.

Why this is more than a few `setattr`s: TensorFlow builds its public API as
modules under `tensorflow._api.v2`, but `import tensorflow.compat.v1` (what
every TF1 library does at import time, `tf_keras` and `tf_slim` included) is
not found in `sys.modules` and so *re-executes* the API's `compat/v1/__init__`
as a second module. That second run rebinds `tensorflow.compat`, and resets
`layers` and the shared `nn.rnn_cell` to Keras 3's "not available" loaders.
`install()` therefore patches every copy that exists and registers the API
modules under their public names in `sys.modules`, so later imports find them
instead of building new copies; whatever the import order, every path
(`tf.compat.v1.layers`, `import tensorflow.compat.v1 as tf; tf.layers`,
`from tensorflow.compat.v1 import layers`, `nn.rnn_cell`) then reaches
tf1track.
"""

import importlib
import re
import sys
import threading

import tensorflow as tf

from tf1track_core.decorator import get_or_create_layer, track_tf1_style_variables

_lock = threading.Lock()

_API_PACKAGE = "tensorflow._api.v2.compat."
_PUBLIC_PACKAGE = "tensorflow.compat."
# Names of modules that are (copies of) the `tf.compat.v1` API module.
_COMPAT_V1_NAME = re.compile(r"^tensorflow(\._api\.v2)?(\.compat\.v[12])*\.compat\.v1$")


def install():
    """Points TF1 entry points at tf1track so TF1 code runs verbatim on Keras 3.

    Afterwards:

    * `tf.compat.v1.keras.utils.track_tf1_style_variables`,
      `get_or_create_layer` and `DeterministicRandomTestTool` are tf1track's;
    * `tf.compat.v1.layers` is `tf1track_core.layers` and
      `tf.compat.v1.nn.rnn_cell` is `tf1track_core.rnn_cell` (Keras 3 made
      both raise), by every import path and whatever was imported before or
      is imported after (`tensorflow.compat.v1`, `tf_keras`, `tf_slim`);
    * `tensorflow.contrib` (also `tf.contrib` / `tf.compat.v1.contrib`) is
      importable with the model-code parts of TF 1.15's contrib;
    * the repairs of `tf1track_core.tf2_repairs` are applied (TF 2.21's own
      breakages of TF1 code, e.g. TF1's `tf.layers` batch norm, which
      TF-Slim uses);
    * `tf.compat.v1.math.matmul` exists (TF1 code in the wild, including the
      original documentation of the decorator, calls it; no TensorFlow
      release defined it).

    Calling it again changes nothing more.
    """
    with _lock:
        from tf1track_core import contrib  # pylint: disable=import-outside-toplevel
        from tf1track_core import random_test_tool  # pylint: disable=import-outside-toplevel
        from tf1track_core import tf2_repairs  # pylint: disable=import-outside-toplevel
        layers = importlib.import_module("tf1track_core.layers")
        rnn_cell = importlib.import_module("tf1track_core.rnn_cell")

        keras_utils = tf.compat.v1.keras.utils
        keras_utils.track_tf1_style_variables = track_tf1_style_variables
        keras_utils.get_or_create_layer = get_or_create_layer
        keras_utils.DeterministicRandomTestTool = random_test_tool.DeterministicRandomTestTool
        for compat_v1 in _compat_v1_modules():
            compat_v1.layers = layers
            compat_v1.nn.rnn_cell = rnn_cell
            compat_v1.contrib = contrib
            if not hasattr(compat_v1.math, "matmul"):
                compat_v1.math.matmul = tf.linalg.matmul
        tf2_repairs.apply()
        _register_public_module_names(layers, rnn_cell)
        contrib.install_import_hook()


def _compat_v1_modules():
    """Every copy of the `tf.compat.v1` module that exists now, each once."""
    found = {id(tf.compat.v1): tf.compat.v1}
    for name, module in list(sys.modules.items()):
        if module is not None and _COMPAT_V1_NAME.match(name):
            found.setdefault(id(module), module)
    return list(found.values())


def _register_public_module_names(layers, rnn_cell):
    """Lets `import tensorflow.compat.v1[...]` find the existing modules.

    Each API module `tensorflow._api.v2.compat.X` is registered as
    `tensorflow.compat.X` unless that name is already taken; the legacy
    Keras entry points are always tf1track's.
    """
    modules = sys.modules
    modules.setdefault("tensorflow.compat", tf.compat)
    modules.setdefault("tensorflow.compat.v1", tf.compat.v1)
    modules.setdefault("tensorflow.compat.v2", tf.compat.v2)
    for name, module in list(modules.items()):
        if module is not None and name.startswith(_API_PACKAGE):
            modules.setdefault(_PUBLIC_PACKAGE + name[len(_API_PACKAGE):], module)
    for prefix in ("tensorflow.compat.v1", "tensorflow.compat.v2.compat.v1"):
        modules[f"{prefix}.layers"] = layers
        modules[f"{prefix}.nn.rnn_cell"] = rnn_cell
