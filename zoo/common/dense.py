"""A TF1 `tf.layers.dense` computed as one einsum over the last axis.

Same variables as `tf.compat.v1.layers.dense(..., name=name)` (`name/kernel`
`[in, units]`, `name/bias` `[units]`), but a `[batch, length, in]` input is
contracted directly instead of reshaped to a matrix and back, which is what
lets the sequence models run one fused matmul per projection.
"""

import tensorflow as tf

v1 = tf.compat.v1


def dense(inputs, units, *, name, use_bias=True, activation=None, kernel_initializer=None,
          bias_initializer=None):
    """`activation(inputs @ kernel + bias)` with variables under `name/` as `tf.layers.dense`."""
    with v1.variable_scope(name):
        kernel = v1.get_variable("kernel", [inputs.shape[-1], units], dtype=inputs.dtype,
                                 initializer=kernel_initializer)
        outputs = tf.einsum("...i,io->...o", inputs, kernel)
        if use_bias:
            bias = v1.get_variable("bias", [units], dtype=inputs.dtype,
                                   initializer=bias_initializer or v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    if activation is not None:
        outputs = activation(outputs)
    return outputs
