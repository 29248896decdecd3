"""`tensorflow.contrib` for TF1 model code: the parts of TF 1.15's contrib models used.

After `tf1track_core.install()`, `import tensorflow.contrib`,
`from tensorflow.contrib import layers, rnn, seq2seq, framework` and
`tf.contrib.<part>` resolve here:

* `layers`: `layer_norm`, `fully_connected`, `conv2d`, `batch_norm`,
  `dropout`, `flatten`, `embed_sequence`, the initializers and regularizers;
* `rnn`: the TF1 cells plus `LayerNormBasicLSTMCell` and `LSTMBlockCell`;
* `seq2seq`: `tf1track_core.seq2seq` plus the sampling helpers and
  `sequence_loss`;
* `framework`: `nest`, `arg_scope` and its helpers;
* `slim`: the `tf_slim` package (where TF 1.15's `contrib.slim` moved), when
  it is installed.

Anything else of `tf.contrib` raises an error naming the missing symbol.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

from tf1track_core.missing import missing_contrib_symbol

PARTS = ("framework", "layers", "rnn", "seq2seq")
_PUBLIC_NAME = "tensorflow.contrib"


def __getattr__(name):
    if name in PARTS:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "slim":
        return _tf_slim()
    if name.startswith("__"):
        raise AttributeError(name)
    raise missing_contrib_symbol(f"tf.contrib.{name}")


def __dir__():
    return sorted(set(globals()) | set(PARTS) | {"slim"})


def _tf_slim():
    try:
        return importlib.import_module("tf_slim")
    except ImportError as error:
        raise ImportError(
            "tf.contrib.slim moved to the tf_slim package after TF 1.15; install it "
            "(`pip install tf-slim`) to use tf.contrib.slim through tf1track.") from error


class _ContribFinder(importlib.abc.MetaPathFinder):
    """Resolves `tensorflow.contrib[.part[...]]` imports to `tf1track_core.contrib`."""

    def find_spec(self, fullname, path=None, target=None):
        """A spec aliasing the tf1track module, or a clear ImportError for other parts."""
        del target
        if fullname == _PUBLIC_NAME or fullname.startswith(_PUBLIC_NAME + "."):
            rest = fullname[len(_PUBLIC_NAME):]
            if rest.startswith(".slim"):
                _tf_slim()
                target_name = "tf_slim" + rest[len(".slim"):]
            else:
                target_name = __name__ + rest
            if importlib.util.find_spec(target_name) is None:
                raise _missing_module(fullname)
            return importlib.util.spec_from_loader(fullname, _AliasLoader(target_name))
        if fullname.startswith(__name__ + ".") and path is not None:
            # `from tensorflow.contrib import learn` looks for this module's
            # `learn` submodule by its real name: say what is missing.
            if importlib.machinery.PathFinder.find_spec(fullname, path) is None:
                raise _missing_module(_PUBLIC_NAME + fullname[len(__name__):])
        return None


def _missing_module(public_name):
    # An ImportError that is not ModuleNotFoundError is not swallowed by
    # `from tensorflow.contrib import name`, so this message reaches the user.
    return ImportError(str(missing_contrib_symbol(public_name.replace("tensorflow.", "tf.", 1))))


class _AliasLoader(importlib.abc.Loader):
    """Makes the public name an alias of an existing module (no second copy)."""

    def __init__(self, target_name):
        self._target_name = target_name
        self._target_spec = None

    def create_module(self, spec):
        """The target module itself."""
        module = importlib.import_module(self._target_name)
        self._target_spec = module.__spec__
        return module

    def exec_module(self, module):
        """Nothing to run; puts back the target's own `__spec__` (import overwrote it)."""
        module.__spec__ = self._target_spec


_finder = _ContribFinder()


def install_import_hook():
    """Registers `tensorflow.contrib` for imports and as `tensorflow.contrib`. Idempotent."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    sys.modules.setdefault(_PUBLIC_NAME, sys.modules[__name__])
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None:
        tensorflow.contrib = sys.modules[__name__]
