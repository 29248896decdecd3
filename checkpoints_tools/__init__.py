"""checkpoints_tools: read TF1 checkpoints, load them by name, convert them, check parity.

The public names load lazily (on first use), so the binaries of
`checkpoints_tools.cli` can quiet TensorFlow's start-up logging before
TensorFlow is imported.
"""

import importlib

_PUBLIC = {
    "export_tf2": "converter", "run_saved_model": "converter",
    "save_tf1_checkpoint": "converter",
    "Golden": "goldens", "GoldenError": "goldens", "ParityReport": "goldens",
    "check_parity": "goldens", "read_golden": "goldens", "record_tf1_golden": "goldens",
    "CheckpointLoadError": "loader", "LoadReport": "loader", "Mismatch": "loader",
    "Translation": "loader", "load_tf1_checkpoint": "loader",
    "NameMap": "names", "classify_training_state": "names",
    "CheckpointError": "reader", "TF1Checkpoint": "reader", "TensorInfo": "reader",
    "list_tf1_checkpoint": "reader", "resolve_checkpoint_path": "reader",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
