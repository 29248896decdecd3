"""TF1-compatible `tf.compat.v1.nn.rnn_cell`, usable with TF core's dynamic_rnn & co."""

from tf1track_core.missing import missing_names_getattr as _missing_names_getattr
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

# A TF1 name this module lacks gets one clear error, not a bare AttributeError.
__getattr__ = _missing_names_getattr(__name__, "tf.compat.v1.nn.rnn_cell", (
    "tf1track provides TF1's core cells and wrappers; the contrib cells are in "
    "tf.contrib.rnn after tf1track_core.install()."))
