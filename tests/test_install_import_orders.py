"""`install()` holds whatever the import order, each order in a fresh process; tf.contrib imports.

`import tensorflow.compat.v1` (what TF1 libraries do at import time) used to
re-execute TensorFlow's API module and reset `tf.compat.v1.layers`; every order
of install() and the usual imports must leave every access path on tf1track.
"""

import subprocess
import sys
import textwrap

import pytest

from slow_marks import slow_beyond

IMPORTS = {
    "v1": "import tensorflow.compat.v1 as tf",
    "from_v1": "from tensorflow.compat.v1 import layers",
    "tf_slim": "import tf_slim",
    "tf_keras": "import tf_keras",
    "bert": "from bert import modeling",
}

CHECK = textwrap.dedent("""
    import tensorflow
    import tensorflow.compat.v1 as tf
    from tensorflow.compat.v1 import layers
    from tensorflow.compat.v1.nn import rnn_cell
    import tensorflow.compat.v1.layers as layers_module
    paths = {
        "tf.compat.v1.layers": tensorflow.compat.v1.layers,
        "tf.layers (compat.v1 as tf)": tf.layers,
        "from tensorflow.compat.v1 import layers": layers,
        "import tensorflow.compat.v1.layers": layers_module,
        "tf.nn.rnn_cell": tf.nn.rnn_cell,
        "tensorflow.compat.v1.nn.rnn_cell": tensorflow.compat.v1.nn.rnn_cell,
        "from tensorflow.compat.v1.nn import rnn_cell": rnn_cell,
    }
    wrong = [path for path, module in paths.items()
             if not getattr(module, "__name__", "").startswith("tf1track_core.")]
    assert not wrong, wrong
    assert tf.keras.utils.track_tf1_style_variables.__module__ == "tf1track_core.decorator"
    assert tf.layers.dense(tf.ones([1, 2]), 3).shape == (1, 3)
    import tensorflow.contrib
    from tensorflow.contrib import layers as contrib_layers, rnn, seq2seq, framework
    assert tf.contrib.layers is contrib_layers and tensorflow.contrib.rnn is rnn
    print("ok")
""")

# Install-first orders (the natural one) and the mixed one run by default;
# the other library-first orders run in the slow suite.
ORDERS = [
    ["install", "v1"], ["install", "from_v1"], ["install", "tf_slim"], ["install", "tf_keras"],
    ["install", "bert"], ["v1", "tf_keras", "install", "tf_slim"],
    ["v1", "install"], ["from_v1", "install"], ["tf_slim", "install"], ["tf_keras", "install"],
]


@pytest.mark.parametrize("order", slow_beyond(6, ORDERS, ids=["-".join(o) for o in ORDERS]))
def test_install_holds_in_any_import_order(order):
    lines = ["import tf1track_core; tf1track_core.install()" if step == "install"
             else IMPORTS[step] for step in order]
    script = "\n".join(lines) + "\n" + CHECK
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_the_families_are_attributes_of_the_package():
    script = ("import tf1track_core\n"
              "print(tf1track_core.layers.dense.__module__, tf1track_core.rnn_cell.LSTMCell.__name__,"
              " tf1track_core.seq2seq.dynamic_decode.__name__)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["tf1track_core.layers.core", "LSTMCell", "dynamic_decode"]


def _run(script):
    return subprocess.run([sys.executable, "-c", "import tf1track_core\ntf1track_core.install()\n"
                           + textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("statement,symbol", slow_beyond(3, [
    ("from tensorflow.contrib import learn", "tf.contrib.learn"),
    ("import tensorflow.contrib.tpu", "tf.contrib.tpu"),
    ("import tensorflow as tf; tf.contrib.training.HParams", "tf.contrib.training"),
    ("from tensorflow.contrib import layers; layers.optimize_loss", "tf.contrib.layers.optimize_loss"),
    ("from tensorflow.contrib import rnn; rnn.NASCell", "tf.contrib.rnn.NASCell"),
    ("from tensorflow.contrib import seq2seq; seq2seq.InferenceHelper",
     "tf.contrib.seq2seq.InferenceHelper"),
    ("import tensorflow as tf; tf.compat.v1.layers.experimental",
     "tf.compat.v1.layers.experimental"),
    ("import tensorflow.compat.v1 as tf; tf.nn.rnn_cell.NASCell", "tf.compat.v1.nn.rnn_cell.NASCell"),
]))
def test_missing_contrib_symbols_get_one_clear_error_naming_them(statement, symbol):
    result = _run(statement)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"{symbol} is not provided by tf1track" in last_line


def test_contrib_slim_is_the_tf_slim_package_and_framework_has_tf1_nest():
    result = _run("""
        import tensorflow as tf, tf_slim
        import tensorflow.contrib.slim as slim
        from tensorflow.contrib.framework import nest, arg_scope
        assert slim is tf_slim and tf.contrib.slim is tf_slim
        assert tf_slim.__spec__.name == "tf_slim"
        assert nest.is_sequence([1]) and not nest.is_sequence(1)
        assert not hasattr(tf.contrib, "no_such_part")
        print("ok")
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
