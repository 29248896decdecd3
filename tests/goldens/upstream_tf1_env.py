"""The TF1 environment the recorders run upstream code in (imported before that code).

TF_USE_LEGACY_KERAS=1 gives TF1's `tf.layers` from tf-keras; TF-Slim 1.1.0
imports `tf_keras.legacy_tf_layers`, which tf-keras 2.21 keeps under `src`;
and TF 1.15's `tensorflow.contrib.layers`, which bert imports, is the code
TF-Slim kept (TF 2.21 has no tf.contrib, so the recorder provides the module).
"""

import os
import sys
import types

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tf_keras.src.legacy_tf_layers  # noqa: E402

sys.modules.setdefault("tf_keras.legacy_tf_layers", tf_keras.src.legacy_tf_layers)
import tf_slim  # noqa: E402

_contrib = types.ModuleType("tensorflow.contrib")
_contrib.layers = tf_slim
sys.modules.setdefault("tensorflow.contrib", _contrib)
sys.modules.setdefault("tensorflow.contrib.layers", tf_slim)
