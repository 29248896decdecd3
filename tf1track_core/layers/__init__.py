"""TF1-compatible `tf.compat.v1.layers`: functional and class forms with TF1 names.

Each layer takes its variable scope on its first call and creates its
variables with `tf.compat.v1.get_variable`, so inside a method decorated with
`track_tf1_style_variables` the names, reuse and regularization losses are
TF1's and the variables are tracked by the decorated object.
"""

from tf1track_core.missing import missing_names_getattr as _missing_names_getattr
from keras import InputSpec

from tf1track_core.layers.base import Layer
from tf1track_core.layers.convolutional import Conv1D
from tf1track_core.layers.convolutional import Conv2D
from tf1track_core.layers.convolutional import Conv2DTranspose
from tf1track_core.layers.convolutional import Conv3D
from tf1track_core.layers.convolutional import Conv3DTranspose
from tf1track_core.layers.convolutional import SeparableConv1D
from tf1track_core.layers.convolutional import SeparableConv2D
from tf1track_core.layers.convolutional import conv1d
from tf1track_core.layers.convolutional import conv2d
from tf1track_core.layers.convolutional import conv2d_transpose
from tf1track_core.layers.convolutional import conv3d
from tf1track_core.layers.convolutional import conv3d_transpose
from tf1track_core.layers.convolutional import separable_conv1d
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
from tf1track_core.layers.pooling import AveragePooling3D
from tf1track_core.layers.pooling import MaxPooling1D
from tf1track_core.layers.pooling import MaxPooling2D
from tf1track_core.layers.pooling import MaxPooling3D
from tf1track_core.layers.pooling import average_pooling1d
from tf1track_core.layers.pooling import average_pooling2d
from tf1track_core.layers.pooling import average_pooling3d
from tf1track_core.layers.pooling import max_pooling1d
from tf1track_core.layers.pooling import max_pooling2d
from tf1track_core.layers.pooling import max_pooling3d

# TF1 spelled some layers more than one way.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution2DTranspose = Deconvolution2D = Deconv2D = Conv2DTranspose
Convolution3DTranspose = Deconvolution3D = Deconv3D = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AveragePool1D, AveragePool2D, AveragePool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
AvgPool2D = AveragePooling2D
convolution1d, convolution2d, convolution3d = conv1d, conv2d, conv3d
separable_convolution2d = separable_conv2d
convolution2d_transpose = deconvolution2d = deconv2d = conv2d_transpose
convolution3d_transpose = deconvolution3d = deconv3d = conv3d_transpose
max_pool2d, avg_pool2d = max_pooling2d, average_pooling2d

# A TF1 name this module lacks gets one clear error, not a bare AttributeError.
__getattr__ = _missing_names_getattr(__name__, "tf.compat.v1.layers", (
    "tf1track provides TF1's layers (dense, conv*, pooling, batch_normalization, "
    "dropout, flatten and their classes); use a Keras 3 layer for anything else "
    "(the Keras-style scopes of tf.compat.v1.layers.experimental are not provided)."))
