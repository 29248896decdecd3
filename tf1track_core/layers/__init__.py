"""TF1-compatible `tf.compat.v1.layers`: functional and class forms with TF1 names."""

from tf1track_core.layers.base import Layer
