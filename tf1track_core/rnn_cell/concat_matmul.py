"""`concat([inputs, state], 1) @ kernel`, the product at the heart of TF1's RNN cells.

TF1's cells keep one kernel over the concatenated `[inputs, state]`, and the
checkpoints store it that way. Computing it as one matmul is slow on the CPU:
a `[batch, depth + units] @ [depth + units, 4 * units]` product runs about
twice as long as the two products over the kernel's row blocks
(`inputs @ kernel[:depth] + state @ kernel[depth:]`, Keras's LSTM form), and
its input gradient `d @ kernel^T` has the same problem. So this computes both
directions by row blocks (slices along the kernel's first axis, which TF
takes without copying where it can). The kernel's gradient stays TF1's single
`concat([inputs, state])^T @ d`: slicing the kernel under plain autodiff
would instead pad each block's gradient to the full kernel at every time step.

The gradient is a `tf.custom_gradient`: in a graph it registers one gradient
per traced call, which holds that graph alive. A single gradient registered
by name would not: it computes from the op's inputs, and SavedModel export
traces every gradient with no op (`grad_fn(None, ...)`) to keep it with the
model, so such models could not be saved. Traces are few (one per cell per
`tf.function` trace), so the closures' cost is small.

The result is TF1's up to float rounding (the two blocks are summed in a
different order), well within the parity tolerance.
"""

import tensorflow as tf


def _row_blocks(inputs, kernel):
    depth = tf.compat.dimension_value(inputs.shape[-1])
    return kernel[:depth], kernel[depth:]


def _product(inputs, state, kernel):
    inputs_kernel, state_kernel = _row_blocks(inputs, kernel)
    # add_n, unlike `+`, does not broadcast: a batch mismatch fails as TF1's concat did.
    return tf.add_n([tf.matmul(inputs, inputs_kernel), tf.matmul(state, state_kernel)])


def _gradients(inputs, state, kernel, d_out):
    inputs_kernel, state_kernel = _row_blocks(inputs, kernel)
    return (tf.matmul(d_out, inputs_kernel, transpose_b=True),
            tf.matmul(d_out, state_kernel, transpose_b=True),
            tf.matmul(tf.concat([inputs, state], 1), d_out, transpose_a=True))


@tf.custom_gradient
def _row_block_concat_matmul(inputs, state, kernel):
    return _product(inputs, state, kernel), lambda d_out: _gradients(inputs, state, kernel, d_out)


def concat_matmul(inputs, state, kernel):
    """`tf.matmul(tf.concat([inputs, state], 1), kernel)`, computed by the kernel's row blocks.

    Args:
      inputs: `[batch, depth]`.
      state: `[batch, units]`.
      kernel: `[depth + units, n]`: a variable (partitioned or not) or a tensor.

    Where `depth`, `units` or the kernel's rows are not known statically, or
    do not add up, this is TF1's single product (and TF1's error).
    """
    inputs = tf.convert_to_tensor(inputs)
    state = tf.convert_to_tensor(state, dtype_hint=inputs.dtype)
    kernel = tf.convert_to_tensor(kernel, dtype_hint=inputs.dtype)
    if inputs.shape.rank == state.shape.rank == kernel.shape.rank == 2:
        depth, units, rows = (tf.compat.dimension_value(size) for size in
                              (inputs.shape[1], state.shape[1], kernel.shape[0]))
        if None not in (depth, units, rows) and depth + units == rows:
            return _row_block_concat_matmul(inputs, state, kernel)
    return tf.matmul(tf.concat([inputs, state], 1), kernel)
