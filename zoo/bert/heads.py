"""The heads BERT's own scripts put on `BertModel`, with their scopes and numerics.

* run_pretraining.py: `get_masked_lm_output` (`cls/predictions/transform/dense`,
  `cls/predictions/transform/LayerNorm`, `cls/predictions/output_bias`, the
  logits tied to `bert/embeddings/word_embeddings`) and
  `get_next_sentence_output` (`cls/seq_relationship/output_weights`,
  `output_bias`) -- an original `bert_model.ckpt` holds both.
* run_classifier.py: `create_model`'s head (top-level `output_weights`
  `[num_labels, hidden]` and `output_bias`, dropout 0.1 when training).

Upstream flattens the masked positions to `[batch * predictions, ...]`; here
they keep their `[batch, predictions, ...]` shape (the same numbers, reshaped).
Losses are computed, as upstream, only when the labels are given.
"""

import tensorflow as tf

from zoo.common import attention
from zoo.common.dense import dense
from zoo.common.layer_norm import bert_layer_norm

v1 = tf.compat.v1

# run_classifier.py's fixed head initializer and dropout (not BertConfig's).
CLASSIFIER_STDDEV = 0.02
CLASSIFIER_DROPOUT = 0.1


def gather_indexes(sequence_tensor, positions):
    """`sequence_tensor` `[batch, length, width]` at `positions` `[batch, predictions]`.

    Returns `[batch, predictions, width]` (upstream: `[batch * predictions, width]`).
    """
    return tf.gather(sequence_tensor, positions, batch_dims=1)


def get_masked_lm_output(bert_config, input_tensor, output_weights, activation, initializer, *,
                         label_ids=None, label_weights=None):
    """run_pretraining.py's masked-LM head on `input_tensor` `[batch, predictions, hidden]`.

    Returns:
      `masked_lm_logits` and `masked_lm_log_probs` `[batch, predictions,
      vocab]`; with `label_ids`, also `masked_lm_example_loss`
      `[batch, predictions]` and `masked_lm_loss`, the mean weighted by
      `label_weights` (default: all ones) with upstream's 1e-5 in the
      denominator.
    """
    with v1.variable_scope("cls/predictions"):
        # The transform exists only for pre-training: fine-tuning drops it.
        with v1.variable_scope("transform"):
            input_tensor = dense(input_tensor, bert_config.hidden_size, activation=activation,
                                 kernel_initializer=initializer, name="dense")
            input_tensor = bert_layer_norm(input_tensor, name="LayerNorm")
        # The output weights are the word embeddings; only the bias is the head's own.
        output_bias = v1.get_variable("output_bias", shape=[bert_config.vocab_size],
                                      initializer=v1.zeros_initializer())
        logits = tf.nn.bias_add(tf.matmul(input_tensor, output_weights, transpose_b=True),
                                output_bias)
        outputs = {"masked_lm_logits": logits,
                   "masked_lm_log_probs": tf.nn.log_softmax(logits, axis=-1)}
        if label_ids is not None:
            one_hot_labels = tf.one_hot(label_ids, depth=bert_config.vocab_size,
                                        dtype=tf.float32)
            per_example_loss = -tf.reduce_sum(outputs["masked_lm_log_probs"] * one_hot_labels,
                                              axis=[-1])
            if label_weights is None:
                label_weights = tf.ones_like(per_example_loss)
            # Zero-weighted positions are padding of a short masked-position list.
            numerator = tf.reduce_sum(label_weights * per_example_loss)
            denominator = tf.reduce_sum(label_weights) + 1e-5
            outputs["masked_lm_example_loss"] = per_example_loss
            outputs["masked_lm_loss"] = numerator / denominator
    return outputs


def get_next_sentence_output(bert_config, input_tensor, initializer, *, labels=None):
    """run_pretraining.py's next-sentence head on the pooled output (label 0 is "next").

    Returns:
      `next_sentence_logits` and `next_sentence_log_probs` `[batch, 2]`; with
      `labels`, also `next_sentence_example_loss` `[batch]` and
      `next_sentence_loss` (their mean).
    """
    with v1.variable_scope("cls/seq_relationship"):
        output_weights = v1.get_variable("output_weights", shape=[2, bert_config.hidden_size],
                                         initializer=initializer)
        output_bias = v1.get_variable("output_bias", shape=[2],
                                      initializer=v1.zeros_initializer())
        logits = tf.nn.bias_add(tf.matmul(input_tensor, output_weights, transpose_b=True),
                                output_bias)
        log_probs = tf.nn.log_softmax(logits, axis=-1)
        outputs = {"next_sentence_logits": logits, "next_sentence_log_probs": log_probs}
        if labels is not None:
            per_example_loss = -tf.reduce_sum(tf.one_hot(labels, depth=2, dtype=tf.float32)
                                              * log_probs, axis=-1)
            outputs["next_sentence_example_loss"] = per_example_loss
            outputs["next_sentence_loss"] = tf.reduce_mean(per_example_loss)
    return outputs


def classifier_output(pooled_output, num_labels, *, training, labels=None):
    """run_classifier.py's `create_model` head: top-level `output_weights` and `output_bias`.

    Returns:
      `logits` and `probabilities` `[batch, num_labels]`; with `labels`, also
      `per_example_loss` `[batch]` and `loss` (their mean).
    """
    hidden_size = pooled_output.shape[-1]
    output_weights = v1.get_variable(
        "output_weights", [num_labels, hidden_size],
        initializer=v1.truncated_normal_initializer(stddev=CLASSIFIER_STDDEV))
    output_bias = v1.get_variable("output_bias", [num_labels],
                                  initializer=v1.zeros_initializer())
    with v1.variable_scope("loss"):
        pooled_output = attention.dropout(pooled_output, CLASSIFIER_DROPOUT, training)
        logits = tf.nn.bias_add(tf.matmul(pooled_output, output_weights, transpose_b=True),
                                output_bias)
        outputs = {"logits": logits, "probabilities": tf.nn.softmax(logits, axis=-1)}
        if labels is not None:
            log_probs = tf.nn.log_softmax(logits, axis=-1)
            one_hot_labels = tf.one_hot(labels, depth=num_labels, dtype=tf.float32)
            per_example_loss = -tf.reduce_sum(one_hot_labels * log_probs, axis=-1)
            outputs["per_example_loss"] = per_example_loss
            outputs["loss"] = tf.reduce_mean(per_example_loss)
    return outputs
