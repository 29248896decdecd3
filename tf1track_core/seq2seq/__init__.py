"""What `tf.contrib.seq2seq` offered TF1 code: attention, decoders, helpers, beam search."""

from tf1track_core.seq2seq.attention_mechanisms import BahdanauAttention
from tf1track_core.seq2seq.attention_mechanisms import LuongAttention
from tf1track_core.seq2seq.attention_wrapper import AttentionWrapper
from tf1track_core.seq2seq.attention_wrapper import AttentionWrapperState
from tf1track_core.seq2seq.basic_decoder import BasicDecoder
from tf1track_core.seq2seq.basic_decoder import BasicDecoderOutput
from tf1track_core.seq2seq.decode import dynamic_decode
from tf1track_core.seq2seq.helpers import GreedyEmbeddingHelper
from tf1track_core.seq2seq.helpers import TrainingHelper
from tf1track_core.seq2seq.loss import sequence_loss
from tf1track_core.seq2seq.sampling_helpers import SampleEmbeddingHelper
from tf1track_core.seq2seq.sampling_helpers import ScheduledEmbeddingTrainingHelper
from tf1track_core.seq2seq.beam_search import BeamSearchDecoder
from tf1track_core.seq2seq.beam_search import BeamSearchDecoderOutput
from tf1track_core.seq2seq.beam_search import BeamSearchDecoderState
from tf1track_core.seq2seq.beam_search import FinalBeamSearchDecoderOutput
from tf1track_core.seq2seq.beam_search import gather_tree
from tf1track_core.seq2seq.beam_search import tile_batch
