"""`tf.contrib.seq2seq` of TF 1.15: `tf1track_core.seq2seq` (attention, decoders, helpers, loss)."""

from tf1track_core.missing import missing_names_getattr
from tf1track_core.seq2seq import *  # noqa: F401,F403  pylint: disable=wildcard-import,unused-wildcard-import
from tf1track_core.seq2seq import AttentionWrapperState  # noqa: F401
from tf1track_core.seq2seq import BeamSearchDecoderState  # noqa: F401
from tf1track_core.seq2seq import gather_tree  # noqa: F401
from tf1track_core.seq2seq import tile_batch  # noqa: F401

__getattr__ = missing_names_getattr(__name__, "tf.contrib.seq2seq")
