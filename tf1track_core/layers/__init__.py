"""TF1-compatible `tf.compat.v1.layers`: functional and class forms with TF1 names.

Each layer takes its variable scope on its first call and creates its
variables with `tf.compat.v1.get_variable`, so inside a method decorated with
`track_tf1_style_variables` the names, reuse and regularization losses are
TF1's and the variables are tracked by the decorated object.
"""

from tf1track_core.layers.base import Layer
from tf1track_core.layers.convolutional import Conv1D
from tf1track_core.layers.convolutional import Conv2D
from tf1track_core.layers.convolutional import Conv2DTranspose
from tf1track_core.layers.convolutional import Conv3D
from tf1track_core.layers.convolutional import SeparableConv2D
from tf1track_core.layers.convolutional import conv1d
from tf1track_core.layers.convolutional import conv2d
from tf1track_core.layers.convolutional import conv2d_transpose
from tf1track_core.layers.convolutional import conv3d
from tf1track_core.layers.convolutional import separable_conv2d
from tf1track_core.layers.core import Dense
from tf1track_core.layers.core import Dropout
from tf1track_core.layers.core import Flatten
from tf1track_core.layers.core import dense
from tf1track_core.layers.core import dropout
from tf1track_core.layers.core import flatten
from tf1track_core.layers.normalization import BatchNormalization
from tf1track_core.layers.normalization import batch_normalization
from tf1track_core.layers.pooling import AveragePooling1D
from tf1track_core.layers.pooling import AveragePooling2D
from tf1track_core.layers.pooling import MaxPooling1D
from tf1track_core.layers.pooling import MaxPooling2D
from tf1track_core.layers.pooling import average_pooling1d
from tf1track_core.layers.pooling import average_pooling2d
from tf1track_core.layers.pooling import max_pooling1d
from tf1track_core.layers.pooling import max_pooling2d

# TF1 spelled some classes two ways.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution2DTranspose = Deconvolution2D = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AveragePool1D, AveragePool2D = AveragePooling1D, AveragePooling2D
