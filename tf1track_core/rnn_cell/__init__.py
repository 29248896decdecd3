"""TF1-compatible `tf.compat.v1.nn.rnn_cell`, usable with TF core's dynamic_rnn & co."""

from tf1track_core.rnn_cell.base import LSTMStateTuple
from tf1track_core.rnn_cell.base import LayerRNNCell
from tf1track_core.rnn_cell.base import RNNCell
from tf1track_core.rnn_cell.cells import BasicRNNCell
from tf1track_core.rnn_cell.cells import GRUCell
from tf1track_core.rnn_cell.lstm import BasicLSTMCell
from tf1track_core.rnn_cell.lstm import LSTMCell
from tf1track_core.rnn_cell.wrappers import DeviceWrapper
from tf1track_core.rnn_cell.wrappers import DropoutWrapper
from tf1track_core.rnn_cell.wrappers import MultiRNNCell
from tf1track_core.rnn_cell.wrappers import ResidualWrapper
