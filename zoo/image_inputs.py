"""What the image classifiers of the zoo share: example inputs and the serving signature."""

import numpy as np
import tensorflow as tf


class ImageInputs:
    """Mixin for zoo layers called on NHWC float images with 3 channels."""

    def example_inputs(self, batch_size=1, image_size=64):
        """Zeros of shape [batch, image_size, image_size, 3] (variables do not depend on size)."""
        return {"images": np.zeros([batch_size, image_size, image_size, 3], np.float32)}

    def serving_input_specs(self):
        """Any batch and image size, three channels."""
        return [tf.TensorSpec([None, None, None, 3], tf.float32, name="images")]
