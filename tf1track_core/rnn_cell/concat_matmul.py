"""`concat([inputs, state], 1) @ kernel`, the product at the heart of TF1's RNN cells.

TF1's cells keep one kernel over the concatenated `[inputs, state]`, and the
checkpoints store it that way. Computing it as one matmul is slow on the CPU:
a `[batch, depth + units] @ [depth + units, 4 * units]` product runs about
twice as long as the two products over the kernel's row blocks
(`inputs @ kernel[:depth] + state @ kernel[depth:]`, Keras's LSTM form), and
its input gradient `d @ kernel^T` has the same problem. So this computes both
directions by row blocks; the row slices of the kernel share its buffer. The
kernel's gradient stays TF1's single `concat([inputs, state])^T @ d`: slicing
the kernel under autodiff would instead pad each block's gradient to the full
kernel at every time step.

The result is TF1's up to float rounding (the sum of the two blocks is added in
a different order), well within the parity tolerance.
"""

import tensorflow as tf


@tf.custom_gradient
def _row_block_matmul(inputs, state, kernel):
    depth = inputs.shape[-1]
    inputs_kernel, state_kernel = kernel[:depth], kernel[depth:]

    def grad(d_out):
        return (tf.matmul(d_out, inputs_kernel, transpose_b=True),
                tf.matmul(d_out, state_kernel, transpose_b=True),
                tf.matmul(tf.concat([inputs, state], 1), d_out, transpose_a=True))

    return tf.matmul(inputs, inputs_kernel) + tf.matmul(state, state_kernel), grad


def concat_matmul(inputs, state, kernel):
    """`tf.matmul(tf.concat([inputs, state], 1), kernel)`, computed by the kernel's row blocks.

    Args:
      inputs: `[batch, depth]`, `depth` known statically.
      state: `[batch, units]`.
      kernel: `[depth + units, n]`: a variable (partitioned or not) or a tensor.
    """
    inputs = tf.convert_to_tensor(inputs)
    state = tf.convert_to_tensor(state, dtype_hint=inputs.dtype)
    kernel = tf.convert_to_tensor(kernel, dtype_hint=inputs.dtype)
    if inputs.shape.rank != 2 or inputs.shape[-1] is None or kernel.shape[0] is None:
        # Without static sizes the row blocks are unknown; take TF1's single product.
        return tf.matmul(tf.concat([inputs, state], 1), kernel)
    return _row_block_matmul(inputs, state, kernel)
