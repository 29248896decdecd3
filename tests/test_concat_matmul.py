"""The cells' row-block product against TF1's single `concat([inputs, state]) @ kernel`.

The cell goldens (test_rnn_cell, test_nmt_goldens) check it inside real RNNs;
these check the pieces directly: values, the three first-order gradients and
second-order gradients (eager and in `tf.function`), other float dtypes, a
partitioned kernel in TF1 graph mode, a SavedModel that keeps the gradient,
TF1's error for mismatched batches, and the single-product fallback when the
input depth is not static.
"""

import numpy as np
import pytest
import tensorflow as tf

from tf1track_core.rnn_cell.concat_matmul import concat_matmul

TOLERANCE = dict(rtol=1e-5, atol=1e-5)


def _single_product(inputs, state, kernel):
    return tf.matmul(tf.concat([inputs, state], 1), kernel)


def _operands(seed=0):
    rng = np.random.default_rng(seed)
    return (tf.constant(rng.normal(size=[3, 4]), tf.float32),
            tf.constant(rng.normal(size=[3, 5]), tf.float32),
            tf.Variable(rng.normal(size=[9, 8]).astype(np.float32)))


def _first_and_second_order(product, inputs, state, kernel):
    with tf.GradientTape() as outer:
        outer.watch(inputs)
        with tf.GradientTape() as inner:
            inner.watch([inputs, state])
            loss = tf.reduce_sum(tf.tanh(product(inputs, state, kernel)) ** 2)
        first = inner.gradient(loss, [inputs, state, kernel])
        penalty = tf.reduce_sum(first[0] ** 2)
    return loss, first, outer.gradient(penalty, [inputs, kernel])


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
def test_values_and_gradients_are_tf1s(use_function):
    operands = _operands()
    run = tf.function(_first_and_second_order) if use_function else _first_and_second_order
    ours = run(concat_matmul, *operands)
    tf1 = run(_single_product, *operands)
    np.testing.assert_allclose(ours[0], tf1[0], **TOLERANCE)
    for ours_grad, tf1_grad in zip(ours[1] + ours[2], tf1[1] + tf1[2]):
        np.testing.assert_allclose(ours_grad, tf1_grad, **TOLERANCE)


def test_partitioned_kernel_in_tf1_graph_mode():
    inputs_value, state_value = np.ones([2, 3], np.float32), np.full([2, 4], 0.5, np.float32)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        inputs = tf.compat.v1.placeholder(tf.float32, [None, 3])
        state = tf.compat.v1.placeholder(tf.float32, [None, 4])
        kernel = tf.compat.v1.get_variable(
            "kernel", [7, 6], partitioner=tf.compat.v1.fixed_size_partitioner(2))
        ours = concat_matmul(inputs, state, kernel)
        tf1 = _single_product(inputs, state, tf.convert_to_tensor(kernel))
        grads = [tf.compat.v1.gradients(tf.reduce_sum(out ** 2), [inputs, state] + list(kernel))
                 for out in (ours, tf1)]
        session.run(tf.compat.v1.global_variables_initializer())
        feed = {inputs: inputs_value, state: state_value}
        (ours_value, ours_grads), (tf1_value, tf1_grads) = session.run(
            [(ours, grads[0]), (tf1, grads[1])], feed)
    np.testing.assert_allclose(ours_value, tf1_value, **TOLERANCE)
    for ours_grad, tf1_grad in zip(ours_grads, tf1_grads):
        np.testing.assert_allclose(ours_grad, tf1_grad, **TOLERANCE)


def test_unknown_input_depth_takes_the_single_product():
    inputs, state, kernel = _operands(seed=1)

    @tf.function(input_signature=[tf.TensorSpec([None, None]), tf.TensorSpec([None, 5])])
    def product(inputs, state):
        return concat_matmul(inputs, state, kernel)

    graph = product.get_concrete_function().graph
    assert "ConcatV2" in {op.type for op in graph.get_operations()}
    np.testing.assert_allclose(product(inputs, state), _single_product(inputs, state, kernel),
                               **TOLERANCE)


def test_graphs_take_the_row_blocks_and_their_own_gradient():
    inputs, state, kernel = _operands()

    @tf.function
    def gradients():
        with tf.GradientTape() as tape:
            tape.watch([inputs, state])
            loss = tf.reduce_sum(concat_matmul(inputs, state, kernel))
        return tape.gradient(loss, [inputs, state, kernel])

    graph = gradients.get_concrete_function().graph
    operations = {op.type: op for op in graph.get_operations()}
    assert operations["IdentityN"].get_attr("_gradient_op_type").startswith(b"CustomGradient")
    # One concat only: the kernel gradient's, not a [batch, depth + units] forward operand.
    assert [op.type for op in graph.get_operations()].count("ConcatV2") == 1


@pytest.mark.parametrize("dtype", [tf.float16, tf.float64])
def test_other_float_dtypes(dtype):
    inputs, state, kernel = (tf.cast(tf.convert_to_tensor(t), dtype) for t in _operands())
    np.testing.assert_allclose(concat_matmul(inputs, state, kernel),
                               _single_product(inputs, state, kernel),
                               rtol=2e-2 if dtype == tf.float16 else 1e-12, atol=2e-2)


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
def test_mismatched_batches_fail_as_tf1s_concat(use_function):
    inputs, state, kernel = _operands()
    product = tf.function(concat_matmul) if use_function else concat_matmul
    with pytest.raises((tf.errors.InvalidArgumentError, ValueError)):
        product(inputs[:1], state, kernel)


def test_a_saved_model_keeps_the_gradient(tmp_path):
    inputs, state, kernel = _operands()
    module = tf.Module()
    module.kernel = kernel
    module.product = tf.function(lambda x, h: concat_matmul(x, h, module.kernel),
                                 input_signature=[tf.TensorSpec([None, 4]),
                                                  tf.TensorSpec([None, 5])])
    tf.saved_model.save(module, str(tmp_path))
    restored = tf.saved_model.load(str(tmp_path))
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss = tf.reduce_sum(restored.product(inputs, state) ** 2)
    with tf.GradientTape() as reference_tape:
        reference_tape.watch(inputs)
        reference = tf.reduce_sum(_single_product(inputs, state, kernel) ** 2)
    np.testing.assert_allclose(tape.gradient(loss, inputs),
                               reference_tape.gradient(reference, inputs), **TOLERANCE)
