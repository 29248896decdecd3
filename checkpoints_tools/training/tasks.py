"""What a fine-tuning run optimises and reports: a task per kind of model output.

A task calls the model on a batch's features (a tensor, a tuple of call
arguments, or a dict of keyword arguments), takes its logits (the output, or
its `"logits"` entry), and turns them and the labels into a per-example loss
and the sums evaluation reports. `classification` (image or sentence
classes) is the default; `sequence_to_sequence` is tensor2tensor's padded,
label-smoothed cross-entropy over target ids (0 is padding).
"""

import dataclasses
import math

import gin
import tensorflow as tf


def call_model(layer, features, training):
    """The model's logits for `features` (tensor, tuple of arguments, or dict of keywords)."""
    if isinstance(features, dict):
        outputs = layer(**features, training=training)
    elif isinstance(features, (tuple, list)):
        outputs = layer(*features, training=training)
    else:
        outputs = layer(features, training=training)
    return outputs["logits"] if isinstance(outputs, dict) else outputs


@dataclasses.dataclass(frozen=True)
class Classification:
    """One class per example: softmax cross-entropy, accuracy."""

    name: str = "classification"

    def per_example_loss(self, labels, logits):
        """Cross-entropy per example `[batch]`."""
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.cast(labels, tf.int32), logits=logits)

    def eval_sums(self, labels, logits):
        """`(loss sum, correct count, example count)` of a batch."""
        correct = tf.equal(tf.argmax(logits, -1, output_type=tf.int32), tf.cast(labels, tf.int32))
        return (tf.reduce_sum(self.per_example_loss(labels, logits)),
                tf.reduce_sum(tf.cast(correct, tf.float32)), tf.cast(tf.size(labels), tf.float32))


@dataclasses.dataclass(frozen=True)
class SequenceToSequence:
    """Target ids `[batch, length]` (0 padding): t2t's label-smoothed cross-entropy per token.

    The smoothed loss has its constant (the entropy of the smoothed target)
    subtracted, as t2t's `smoothing_cross_entropy` does, so a perfect model
    scores 0. Evaluation reports it per token and the token accuracy.
    """

    label_smoothing: float = 0.1
    name: str = "sequence_to_sequence"

    def _token_losses(self, labels, logits):
        vocab_size = logits.shape[-1]
        confidence = 1.0 - self.label_smoothing
        low_confidence = (1.0 - confidence) / (vocab_size - 1)
        normalizing = -(confidence * math.log(confidence)
                        + (vocab_size - 1) * low_confidence * math.log(low_confidence + 1e-20)) \
            if self.label_smoothing else 0.0
        soft_targets = tf.one_hot(tf.cast(labels, tf.int32), vocab_size, on_value=confidence,
                                  off_value=low_confidence)
        losses = tf.nn.softmax_cross_entropy_with_logits(labels=soft_targets, logits=logits)
        weights = tf.cast(tf.not_equal(labels, 0), logits.dtype)
        return (losses - normalizing) * weights, weights

    def per_example_loss(self, labels, logits):
        """Mean token loss of each sequence `[batch]` (padding excluded)."""
        losses, weights = self._token_losses(labels, logits)
        return tf.reduce_sum(losses, -1) / tf.maximum(tf.reduce_sum(weights, -1), 1.0)

    def eval_sums(self, labels, logits):
        """`(token loss sum, correct tokens, tokens)` of a batch."""
        losses, weights = self._token_losses(labels, logits)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32),
                                   tf.cast(labels, tf.int32)), weights.dtype) * weights
        return tf.reduce_sum(losses), tf.reduce_sum(correct), tf.reduce_sum(weights)


@dataclasses.dataclass(frozen=True)
class NmtCrossEntropy:
    """tensorflow/nmt's `_compute_loss`: cross-entropy summed over each target's tokens.

    Labels are `{"target_output": [batch, time], "target_lengths": [batch]}`
    (nmt's iterator; id 0 is `<unk>`, not padding, so the lengths mask).
    nmt divides the summed loss by the batch size: the per-example loss is a
    sentence's sum. Evaluation reports the loss per token and the token accuracy.
    """

    name: str = "nmt_cross_entropy"

    def _token_losses(self, labels, logits):
        time = tf.shape(logits)[1]  # max(target_lengths) steps, as nmt's dynamic_decode
        target_output = tf.cast(labels["target_output"][:, :time], tf.int32)
        weights = tf.sequence_mask(labels["target_lengths"], time, logits.dtype)
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target_output,
                                                                logits=logits)
        return losses * weights, weights, target_output

    def per_example_loss(self, labels, logits):
        """Each target's summed token loss `[batch]` (nmt's loss before / batch size)."""
        losses, _, _ = self._token_losses(labels, logits)
        return tf.reduce_sum(losses, -1)

    def eval_sums(self, labels, logits):
        """`(token loss sum, correct tokens, tokens)` of a batch."""
        losses, weights, target_output = self._token_losses(labels, logits)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), target_output),
                          weights.dtype) * weights
        return tf.reduce_sum(losses), tf.reduce_sum(correct), tf.reduce_sum(weights)


@gin.configurable
def classification():
    """The classification task (`finetune.task = @classification()`; the default)."""
    return Classification()


@gin.configurable
def sequence_to_sequence(label_smoothing=0.1):
    """The sequence-to-sequence task (t2t's `label_smoothing`, 0.1 in its hparams)."""
    return SequenceToSequence(label_smoothing=label_smoothing)


@gin.configurable
def nmt_cross_entropy():
    """tensorflow/nmt's loss (`finetune.task = @nmt_cross_entropy()`)."""
    return NmtCrossEntropy()
