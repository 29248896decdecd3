"""`tf.contrib.layers` of TF 1.15: the layers, initializers and regularizers model code used.

The same function names, scopes, variable names and numerics as TF 1.15 (and
TF-Slim, which kept this code); anything else of `tf.contrib.layers` raises an
error naming it.
"""

from tf1track_core.contrib.layers.convolutional import avg_pool2d
from tf1track_core.contrib.layers.convolutional import convolution
from tf1track_core.contrib.layers.convolutional import convolution1d
from tf1track_core.contrib.layers.convolutional import convolution2d
from tf1track_core.contrib.layers.convolutional import convolution2d_transpose
from tf1track_core.contrib.layers.convolutional import convolution3d
from tf1track_core.contrib.layers.convolutional import max_pool2d
from tf1track_core.contrib.layers.convolutional import separable_convolution2d
from tf1track_core.contrib.layers.core import bias_add
from tf1track_core.contrib.layers.core import dropout
from tf1track_core.contrib.layers.core import elu
from tf1track_core.contrib.layers.core import flatten
from tf1track_core.contrib.layers.core import fully_connected
from tf1track_core.contrib.layers.core import linear
from tf1track_core.contrib.layers.core import one_hot_encoding
from tf1track_core.contrib.layers.core import relu
from tf1track_core.contrib.layers.core import relu6
from tf1track_core.contrib.layers.core import repeat
from tf1track_core.contrib.layers.core import softmax
from tf1track_core.contrib.layers.core import stack
from tf1track_core.contrib.layers.encoders import embed_sequence
from tf1track_core.contrib.layers.initializers import variance_scaling_initializer
from tf1track_core.contrib.layers.initializers import xavier_initializer
from tf1track_core.contrib.layers.initializers import xavier_initializer_conv2d
from tf1track_core.contrib.layers.normalization import batch_norm
from tf1track_core.contrib.layers.normalization import layer_norm
from tf1track_core.contrib.layers.regularizers import apply_regularization
from tf1track_core.contrib.layers.regularizers import l1_l2_regularizer
from tf1track_core.contrib.layers.regularizers import l1_regularizer
from tf1track_core.contrib.layers.regularizers import l2_regularizer
from tf1track_core.contrib.layers.regularizers import sum_regularizer
from tf1track_core.contrib.layers.utils import collect_named_outputs
from tf1track_core.contrib.layers.utils import convert_collection_to_dict
from tf1track_core.missing import missing_names_getattr

# TF 1.15's aliases.
conv1d = convolution1d
conv2d = convolution2d
conv3d = convolution3d
conv2d_transpose = convolution2d_transpose
separable_conv2d = separable_convolution2d

__getattr__ = missing_names_getattr(__name__, "tf.contrib.layers")
