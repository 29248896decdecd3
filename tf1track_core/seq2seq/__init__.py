"""What `tf.contrib.seq2seq` offered TF1 code: attention, decoders and helpers.

Beam search (`BeamSearchDecoder`, `tile_batch`) is not ported yet.
"""

from tf1track_core.seq2seq.attention_mechanisms import BahdanauAttention
from tf1track_core.seq2seq.attention_mechanisms import LuongAttention
from tf1track_core.seq2seq.attention_wrapper import AttentionWrapper
from tf1track_core.seq2seq.attention_wrapper import AttentionWrapperState
from tf1track_core.seq2seq.basic_decoder import BasicDecoder
from tf1track_core.seq2seq.basic_decoder import BasicDecoderOutput
from tf1track_core.seq2seq.decode import dynamic_decode
from tf1track_core.seq2seq.helpers import GreedyEmbeddingHelper
from tf1track_core.seq2seq.helpers import TrainingHelper
