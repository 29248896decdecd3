"""`tf.contrib.rnn` of TF 1.15: the TF1 cells, `LayerNormBasicLSTMCell` and `LSTMBlockCell`.

The core cells are `tf1track_core.rnn_cell`'s (TF 1.15's contrib.rnn named
the core classes too); `static_rnn` & co. are TensorFlow's own.
"""

import tensorflow as tf
from tensorflow.python.ops import rnn as _rnn

from tf1track_core.missing import missing_names_getattr
from tf1track_core.contrib.rnn.layer_norm_lstm import LayerNormBasicLSTMCell
from tf1track_core.contrib.rnn.lstm_block import LSTMBlockCell
from tf1track_core.rnn_cell import BasicLSTMCell
from tf1track_core.rnn_cell import BasicRNNCell
from tf1track_core.rnn_cell import DeviceWrapper
from tf1track_core.rnn_cell import DropoutWrapper
from tf1track_core.rnn_cell import GRUCell
from tf1track_core.rnn_cell import LayerRNNCell
from tf1track_core.rnn_cell import LSTMCell
from tf1track_core.rnn_cell import LSTMStateTuple
from tf1track_core.rnn_cell import MultiRNNCell
from tf1track_core.rnn_cell import ResidualWrapper
from tf1track_core.rnn_cell import RNNCell

static_rnn = tf.compat.v1.nn.static_rnn
static_bidirectional_rnn = tf.compat.v1.nn.static_bidirectional_rnn
static_state_saving_rnn = tf.compat.v1.nn.static_state_saving_rnn
transpose_batch_time = _rnn._transpose_batch_time  # pylint: disable=protected-access
best_effort_input_batch_size = _rnn._best_effort_input_batch_size  # pylint: disable=protected-access

__getattr__ = missing_names_getattr(__name__, "tf.contrib.rnn")
