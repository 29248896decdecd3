"""Test-session setup shared by every test module."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pathlib  # noqa: E402

import gin  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_ROOT = pathlib.Path(__file__).resolve().parent.parent

# Two logical CPUs, so MirroredStrategy tests have two replicas. This must run
# before TensorFlow initialises its devices, hence at conftest import.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Each test starts with clean Keras layer names."""
    import keras
    keras.backend.clear_session()
    yield


@pytest.fixture
def gin_config():
    """A clean gin configuration that finds the repository's configs/, cleared afterwards."""
    gin.clear_config()
    gin.add_config_file_search_path(str(_ROOT))
    yield gin
    gin.clear_config()
