"""The fine-tuning tasks: losses and evaluation sums as the upstream trainers computed them."""

import numpy as np
import tensorflow as tf

from checkpoints_tools.training import tasks


def _t2t_smoothed_xent(logits, labels, smoothing):
    """t2t's padded_cross_entropy with smoothing_cross_entropy, in numpy, per token."""
    vocab = logits.shape[-1]
    confidence = 1.0 - smoothing
    low = smoothing / (vocab - 1)
    normalizing = -(confidence * np.log(confidence) + (vocab - 1) * low * np.log(low + 1e-20))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    soft = np.full(logits.shape, low)
    np.put_along_axis(soft, labels[..., None], confidence, -1)
    return (-(soft * log_probs).sum(-1) - normalizing) * (labels != 0)


def test_sequence_to_sequence_loss_is_t2ts_smoothed_padded_cross_entropy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=[2, 5, 7]).astype(np.float32)
    labels = np.array([[3, 4, 1, 0, 0], [2, 6, 5, 4, 1]], np.int32)
    task = tasks.sequence_to_sequence(label_smoothing=0.1)
    expected = _t2t_smoothed_xent(logits.astype(np.float64), labels, 0.1)
    per_example = task.per_example_loss(tf.constant(labels), tf.constant(logits)).numpy()
    np.testing.assert_allclose(per_example, expected.sum(-1) / (labels != 0).sum(-1), rtol=1e-5)
    loss_sum, correct, tokens = (v.numpy() for v in task.eval_sums(labels, logits))
    np.testing.assert_allclose(loss_sum, expected.sum(), rtol=1e-5)
    assert tokens == 8
    assert correct == ((logits.argmax(-1) == labels) & (labels != 0)).sum()


def test_a_perfect_prediction_scores_zero_with_smoothing_subtracted():
    labels = np.array([[2, 1, 0]], np.int32)
    vocab, smoothing = 5, 0.2
    # Logits whose softmax is exactly the smoothed target distribution.
    soft = np.full([1, 3, vocab], smoothing / (vocab - 1))
    np.put_along_axis(soft, labels[..., None], 1 - smoothing, -1)
    logits = np.log(soft).astype(np.float32)
    loss = tasks.sequence_to_sequence(smoothing).per_example_loss(labels, logits).numpy()
    np.testing.assert_allclose(loss, [0.0], atol=1e-5)


def test_classification_and_model_calls_by_features_structure():
    task = tasks.classification()
    logits = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]], np.float32)
    labels = np.array([0, 0, 0])
    loss_sum, correct, count = (float(v) for v in task.eval_sums(labels, logits))
    assert (correct, count) == (2.0, 3.0)
    np.testing.assert_allclose(loss_sum, -np.log(np.exp(logits)[:, 0] / np.exp(logits).sum(1)).sum(),
                               rtol=1e-5)

    def layer(*args, training=False, **kwargs):
        return {"logits": (args, kwargs, training)}

    assert tasks.call_model(layer, {"a": 1}, True) == ((), {"a": 1}, True)
    assert tasks.call_model(layer, (1, 2), False) == ((1, 2), {}, False)
