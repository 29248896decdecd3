"""A TF1 `tf.layers.dense` over the last axis of any-rank input.

Same variables as `tf.compat.v1.layers.dense(..., name=name)` (`name/kernel`
`[in, units]`, `name/bias` `[units]`). The input is flattened to a matrix
for one matmul and reshaped back: an `einsum("...i,io->...o")` computes the
same forward pass, but TF's gradient of it for the kernel materialises a
`[batch, length, in, out]` tensor (9.6 GB for one BERT-base layer at batch 8).
"""

import tensorflow as tf

v1 = tf.compat.v1


def dense(inputs, units, *, name, use_bias=True, activation=None, kernel_initializer=None,
          bias_initializer=None):
    """`activation(inputs @ kernel + bias)` with variables under `name/` as `tf.layers.dense`."""
    with v1.variable_scope(name):
        kernel = v1.get_variable("kernel", [inputs.shape[-1], units], dtype=inputs.dtype,
                                 initializer=kernel_initializer)
        leading = tf.shape(inputs)[:-1]
        outputs = tf.matmul(tf.reshape(inputs, [-1, inputs.shape[-1]]), kernel)
        outputs = tf.reshape(outputs, tf.concat([leading, [units]], 0))
        outputs.set_shape(inputs.shape[:-1].concatenate([units]))
        if use_bias:
            bias = v1.get_variable("bias", [units], dtype=inputs.dtype,
                                   initializer=bias_initializer or v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    if activation is not None:
        outputs = activation(outputs)
    return outputs
