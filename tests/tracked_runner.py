"""`Runner`: a tracked `tf.Module` that runs any TF1 function, for tests."""

import tensorflow as tf

from tf1track_core import track_tf1_style_variables


class Runner(tf.Module):
    """Calls `fn(*args, **kwargs)` inside a method decorated with track_tf1_style_variables."""

    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    @track_tf1_style_variables
    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)
