"""google-research/bert's `modeling.py` (bert-tensorflow 1.0.4) as a tracked Keras layer.

The functions follow upstream's, in its order and under its scopes, so the
variables are created in the same order with the same names:
`bert/embeddings/{word_embeddings,token_type_embeddings,position_embeddings,
LayerNorm}`, `bert/encoder/layer_<i>/attention/self/{query,key,value}`,
`.../attention/output/{dense,LayerNorm}`, `.../intermediate/dense`,
`.../output/{dense,LayerNorm}`, `bert/pooler/dense`; the heads of
run_pretraining.py and run_classifier.py are in `heads.py`. Numerics as
upstream: the tanh approximation of GELU, the attention adder
`(1 - mask) * -10000`, logits scaled by `1/sqrt(size_per_head)` after q.k,
embeddings = word + token type + the first `seq_length` positions, then
LayerNorm (epsilon 1e-12) and dropout; the pooler is a tanh dense on the
first token. Dropout runs only when training, as `is_training` did.
"""

import math

import keras
import numpy as np
import tensorflow as tf

import tf1track_core
from zoo.bert import heads as bert_heads
from zoo.bert.config import parse_config
from zoo.common import attention
from zoo.common.dense import dense
from zoo.common.layer_norm import bert_layer_norm
from zoo.registry import register

v1 = tf.compat.v1


def gelu(x):
    """bert's GELU: `x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`, op for op."""
    cdf = 0.5 * (1.0 + tf.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * tf.pow(x, 3))))
    return x * cdf


_ACTIVATIONS = {"linear": None, "relu": tf.nn.relu, "gelu": gelu, "tanh": tf.tanh}


def get_activation(activation_string):
    """bert's `get_activation`: "gelu", "relu", "tanh", or None for "linear"/""/None."""
    return _ACTIVATIONS[(activation_string or "linear").lower()]


def create_initializer(initializer_range=0.02):
    """bert's `create_initializer`: truncated normal with stddev `initializer_range`."""
    return v1.truncated_normal_initializer(stddev=initializer_range)


def embedding_lookup(input_ids, vocab_size, embedding_size, initializer_range,
                     word_embedding_name="word_embeddings", use_one_hot_embeddings=False):
    """The word embeddings `[batch, length, embedding_size]` and their table."""
    embedding_table = v1.get_variable(word_embedding_name, [vocab_size, embedding_size],
                                      initializer=create_initializer(initializer_range))
    if use_one_hot_embeddings:
        # Upstream's TPU path: a matmul instead of a gather (the same numbers).
        one_hot = tf.one_hot(input_ids, depth=vocab_size)
        return tf.einsum("blv,vd->bld", one_hot, embedding_table), embedding_table
    return tf.gather(embedding_table, input_ids), embedding_table


def embedding_postprocessor(input_tensor, token_type_ids, bert_config, dropout_prob, training):
    """Adds token type and position embeddings, then LayerNorm and dropout, as upstream."""
    width = input_tensor.shape[-1]
    seq_length = attention.shape_list(input_tensor)[1]
    token_type_table = v1.get_variable(
        "token_type_embeddings", [bert_config.type_vocab_size, width],
        initializer=create_initializer(bert_config.initializer_range))
    # Upstream multiplies one-hot rows by the table; a gather gives the same numbers.
    output = input_tensor + tf.gather(token_type_table, token_type_ids)
    full_position_embeddings = v1.get_variable(
        "position_embeddings", [bert_config.max_position_embeddings, width],
        initializer=create_initializer(bert_config.initializer_range))
    # The table covers max_position_embeddings; this sequence uses its first rows.
    output += full_position_embeddings[tf.newaxis, :seq_length, :]
    return attention.dropout(bert_layer_norm(output, name="LayerNorm"), dropout_prob, training)


def attention_layer(layer_input, attention_bias, num_attention_heads, size_per_head,
                    attention_probs_dropout_prob, initializer_range, training):
    """Self-attention in scope `self`'s `query`/`key`/`value`: `[batch, length, hidden]`."""
    initializer = create_initializer(initializer_range)
    width = num_attention_heads * size_per_head
    query = dense(layer_input, width, kernel_initializer=initializer, name="query")
    key = dense(layer_input, width, kernel_initializer=initializer, name="key")
    value = dense(layer_input, width, kernel_initializer=initializer, name="value")
    context = attention.dot_product_attention(
        attention.split_heads(query, num_attention_heads),
        attention.split_heads(key, num_attention_heads),
        attention.split_heads(value, num_attention_heads), attention_bias,
        dropout_rate=attention_probs_dropout_prob, training=training,
        logits_scale=1.0 / math.sqrt(float(size_per_head)))
    return attention.combine_heads(context)


def transformer_model(input_tensor, attention_mask, bert_config, *, training):
    """The encoder stack `layer_<i>`; returns every layer's output, as `do_return_all_layers`."""
    config = bert_config
    hidden_dropout = config.hidden_dropout_prob if training else 0.0
    attention_dropout = config.attention_probs_dropout_prob if training else 0.0
    size_per_head = config.hidden_size // config.num_attention_heads
    initializer = create_initializer(config.initializer_range)
    intermediate_act_fn = get_activation(config.hidden_act)
    attention_bias = attention.bert_attention_bias(attention_mask)
    prev_output = input_tensor
    all_layer_outputs = []
    for layer_idx in range(config.num_hidden_layers):
        with v1.variable_scope(f"layer_{layer_idx}"):
            layer_input = prev_output
            with v1.variable_scope("attention"):
                with v1.variable_scope("self"):
                    attention_output = attention_layer(
                        layer_input, attention_bias, config.num_attention_heads, size_per_head,
                        attention_dropout, config.initializer_range, training)
                with v1.variable_scope("output"):
                    attention_output = dense(attention_output, config.hidden_size,
                                             kernel_initializer=initializer, name="dense")
                    attention_output = attention.dropout(attention_output, hidden_dropout,
                                                         training)
                    attention_output = bert_layer_norm(attention_output + layer_input,
                                                       name="LayerNorm")
            # The activation is only on the intermediate (feed-forward) layer.
            with v1.variable_scope("intermediate"):
                intermediate_output = dense(attention_output, config.intermediate_size,
                                            activation=intermediate_act_fn,
                                            kernel_initializer=initializer, name="dense")
            with v1.variable_scope("output"):
                layer_output = dense(intermediate_output, config.hidden_size,
                                     kernel_initializer=initializer, name="dense")
                layer_output = attention.dropout(layer_output, hidden_dropout, training)
                prev_output = bert_layer_norm(layer_output + attention_output, name="LayerNorm")
                all_layer_outputs.append(prev_output)
    return all_layer_outputs


class BertModel(keras.layers.Layer):
    """bert's `BertModel` (and optionally its scripts' heads) as a tracked Keras layer.

    `call(input_ids, input_mask=None, token_type_ids=None, training=False,
    return_end_points=False, **head_inputs)` takes `[batch, seq_length]` int
    ids (mask: 1 for real tokens, default all ones; token types default 0)
    and returns a dict: `sequence_output` `[batch, seq_length, hidden]` and
    `pooled_output` `[batch, hidden]`, plus the heads' outputs
    (`heads.py`): with `num_labels`, `logits` and `probabilities`; with the
    pre-training heads, `masked_lm_logits`/`masked_lm_log_probs` and
    `next_sentence_logits`/`next_sentence_log_probs`.

    Keyword-only head inputs (JSON lists or tensors):
      masked_lm_positions: `[batch, predictions]` positions the masked-LM
        head predicts (run_pretraining.py's feature); default: every
        position, giving `[batch, seq_length, vocab]`.
      masked_lm_ids, masked_lm_weights: the masked tokens' ids and weights
        (default ones) -> `masked_lm_example_loss`, `masked_lm_loss`.
      next_sentence_labels: `[batch]` (0: is next) -> `next_sentence_loss`.
      labels: `[batch]` classifier labels -> `per_example_loss`, `loss`.

    With `return_end_points`, also `word_embedding_output`,
    `embedding_output`, `all_encoder_layers` (a list) and each layer's
    output as `layer_<i>_output`.
    """

    def __init__(self, bert_config, *, heads=(), num_labels=None, scope="bert",
                 use_one_hot_embeddings=False, **kwargs):
        super().__init__(**kwargs)
        self.bert_config = bert_config
        self.heads = tuple(heads)
        self.num_labels = num_labels
        self.scope = scope
        self.use_one_hot_embeddings = use_one_hot_embeddings

    def example_inputs(self, batch_size=1, seq_length=8):
        """`{"input_ids", "input_mask", "token_type_ids"}` int32 `[batch, seq_length]`."""
        seq_length = min(seq_length, self.bert_config.max_position_embeddings)
        ids = np.tile(np.arange(seq_length) % self.bert_config.vocab_size, [batch_size, 1])
        return {"input_ids": ids.astype(np.int32),
                "input_mask": np.ones([batch_size, seq_length], np.int32),
                "token_type_ids": np.zeros([batch_size, seq_length], np.int32)}

    def serving_input_specs(self):
        """Any batch and sequence length (up to max_position_embeddings) of int32 inputs."""
        return [tf.TensorSpec([None, None], tf.int32, name=name)
                for name in ("input_ids", "input_mask", "token_type_ids")]

    @tf1track_core.track_tf1_style_variables
    def call(self, input_ids, input_mask=None, token_type_ids=None, training=False,
             return_end_points=False, *, masked_lm_positions=None, masked_lm_ids=None,
             masked_lm_weights=None, next_sentence_labels=None, labels=None):
        """The model's outputs as a dict (see the class docstring)."""
        training = bool(training)
        head_inputs = dict(masked_lm_positions=masked_lm_positions, masked_lm_ids=masked_lm_ids,
                           masked_lm_weights=masked_lm_weights,
                           next_sentence_labels=next_sentence_labels, labels=labels)
        self._check_head_inputs(**head_inputs)
        input_ids, input_mask, token_type_ids = self._checked_inputs(input_ids, input_mask,
                                                                     token_type_ids)
        end_points = self._bert(input_ids, input_mask, token_type_ids, training)
        outputs = {"sequence_output": end_points["sequence_output"],
                   "pooled_output": end_points["pooled_output"]}
        outputs.update(self._heads(end_points, input_ids, training, **head_inputs))
        if return_end_points:
            # (The embedding table is a variable, not an output: `tf1_variables` has it.)
            outputs.update({name: value for name, value in end_points.items()
                            if name != "embedding_table"})
            outputs.update({f"layer_{i}_output": layer
                            for i, layer in enumerate(end_points["all_encoder_layers"])})
        return outputs

    def _bert(self, input_ids, input_mask, token_type_ids, training):
        """Upstream `BertModel.__init__`: its getters' tensors (and the embedding table)."""
        config = self.bert_config
        with v1.variable_scope(self.scope):
            with v1.variable_scope("embeddings"):
                word_embedding_output, embedding_table = embedding_lookup(
                    input_ids, config.vocab_size, config.hidden_size, config.initializer_range,
                    use_one_hot_embeddings=self.use_one_hot_embeddings)
                embedding_output = embedding_postprocessor(
                    word_embedding_output, token_type_ids, config,
                    config.hidden_dropout_prob if training else 0.0, training)
            with v1.variable_scope("encoder"):
                attention_mask = attention.bert_attention_mask(
                    attention.shape_list(input_ids)[1], input_mask)
                all_encoder_layers = transformer_model(embedding_output, attention_mask, config,
                                                       training=training)
            sequence_output = all_encoder_layers[-1]
            with v1.variable_scope("pooler"):
                # "Pooling" is the first token's hidden state ([CLS]), through a tanh dense.
                first_token_tensor = tf.squeeze(sequence_output[:, 0:1, :], axis=1)
                pooled_output = dense(first_token_tensor, config.hidden_size, activation=tf.tanh,
                                      kernel_initializer=create_initializer(
                                          config.initializer_range), name="dense")
        return {"word_embedding_output": word_embedding_output,
                "embedding_output": embedding_output, "embedding_table": embedding_table,
                "all_encoder_layers": list(all_encoder_layers),
                "sequence_output": sequence_output, "pooled_output": pooled_output}

    def _heads(self, end_points, input_ids, training, *, masked_lm_positions, masked_lm_ids,
               masked_lm_weights, next_sentence_labels, labels):
        """The outputs of the heads the model was built with, in upstream's creation order."""
        config = self.bert_config
        initializer = create_initializer(config.initializer_range)
        outputs = {}
        if "masked_lm" in self.heads:
            seq_length = attention.shape_list(input_ids)[1]
            positions = self._int_input(masked_lm_positions, "masked_lm_positions", input_ids,
                                        upper=seq_length, upper_name="seq_length")
            sequence_output = end_points["sequence_output"]
            head_input = (sequence_output if positions is None
                          else bert_heads.gather_indexes(sequence_output, positions))
            outputs.update(bert_heads.get_masked_lm_output(
                config, head_input, end_points["embedding_table"],
                get_activation(config.hidden_act), initializer,
                label_ids=self._int_input(masked_lm_ids, "masked_lm_ids", input_ids,
                                          upper=config.vocab_size, upper_name="vocab_size"),
                label_weights=(None if masked_lm_weights is None
                               else tf.cast(masked_lm_weights, tf.float32))))
        if "next_sentence" in self.heads:
            outputs.update(bert_heads.get_next_sentence_output(
                config, end_points["pooled_output"], initializer,
                labels=self._labels(next_sentence_labels, "next_sentence_labels", 2)))
        if self.num_labels:
            outputs.update(bert_heads.classifier_output(
                end_points["pooled_output"], self.num_labels, training=training,
                labels=self._labels(labels, "labels", self.num_labels)))
        return outputs

    def _check_head_inputs(self, **head_inputs):
        needs = {"masked_lm_positions": "masked_lm", "masked_lm_ids": "masked_lm",
                 "masked_lm_weights": "masked_lm", "next_sentence_labels": "next_sentence"}
        for name, value in head_inputs.items():
            if value is None:
                continue
            if name == "labels" and not self.num_labels:
                raise ValueError("bert: labels are for the classifier head; build the model "
                                 "with num_labels.")
            if name in needs and needs[name] not in self.heads:
                raise ValueError(f"bert: {name} is for the {needs[name]} head; build the model "
                                 "with heads=['pretraining'].")
        if head_inputs["masked_lm_weights"] is not None and head_inputs["masked_lm_ids"] is None:
            raise ValueError("bert: masked_lm_weights needs masked_lm_ids.")

    def _checked_inputs(self, input_ids, input_mask, token_type_ids):
        """The three inputs as int32 / float tensors, with shape and range checks."""
        config = self.bert_config
        ids = _integer_tensor(input_ids, "input_ids")
        if ids.shape.rank != 2:
            raise ValueError(f"bert: input_ids must be [batch_size, seq_length], got shape "
                             f"{ids.shape}.")
        length = ids.shape[1]
        if length is not None and length > config.max_position_embeddings:
            raise ValueError(f"bert: the sequence length {length} exceeds "
                             f"max_position_embeddings {config.max_position_embeddings}.")
        checks = _range_checks(ids, "input_ids", config.vocab_size, "vocab_size")
        checks.append(tf.debugging.assert_less_equal(
            tf.shape(ids)[1], config.max_position_embeddings,
            message=f"bert: the sequence length exceeds max_position_embeddings "
                    f"{config.max_position_embeddings}"))
        if input_mask is None:
            input_mask = tf.ones_like(ids)
        else:
            input_mask = tf.convert_to_tensor(input_mask)
            checks += _same_shape_checks(input_mask, "input_mask", ids)
        if token_type_ids is None:
            token_type_ids = tf.zeros_like(ids)
        else:
            token_type_ids = _integer_tensor(token_type_ids, "token_type_ids")
            checks += _same_shape_checks(token_type_ids, "token_type_ids", ids)
            checks += _range_checks(token_type_ids, "token_type_ids", config.type_vocab_size,
                                    "type_vocab_size")
        with tf.control_dependencies(checks):
            return tf.identity(ids), tf.identity(input_mask), tf.identity(token_type_ids)

    def _int_input(self, value, name, input_ids, *, upper, upper_name):
        """A `[batch, predictions]` int input of a head, checked to lie in `[0, upper)`."""
        if value is None:
            return None
        value = _integer_tensor(value, name)
        if value.shape.rank != 2 or not value.shape[:1].is_compatible_with(input_ids.shape[:1]):
            raise ValueError(f"bert: {name} must be [batch_size, predictions] for input_ids "
                             f"{input_ids.shape}, got shape {value.shape}.")
        with tf.control_dependencies(_range_checks(value, name, upper, upper_name)):
            return tf.identity(value)

    def _labels(self, value, name, num_classes):
        """`[batch]` (or `[batch, 1]`, as run_pretraining.py feeds them) labels in range."""
        if value is None:
            return None
        value = tf.reshape(_integer_tensor(value, name), [-1])
        with tf.control_dependencies(_range_checks(value, name, num_classes, "the label count")):
            return tf.identity(value)


def _integer_tensor(value, name):
    value = tf.convert_to_tensor(value)
    if not value.dtype.is_integer:
        raise TypeError(f"bert: {name} must be integer ids, got dtype {value.dtype.name}.")
    return tf.cast(value, tf.int32)


def _range_checks(ids, name, upper, upper_name):
    # tf.debugging asserts: they raise in eager mode and run as ops in tf.function.
    return [tf.debugging.assert_non_negative(ids, message=f"bert: {name} has a negative value"),
            tf.debugging.assert_less(ids, tf.cast(upper, ids.dtype),
                                     message=f"bert: {name} has a value >= {upper_name} "
                                             f"{upper if isinstance(upper, int) else ''}")]


def _same_shape_checks(value, name, input_ids):
    if value.shape.rank != 2 or not value.shape.is_compatible_with(input_ids.shape):
        raise ValueError(f"bert: {name} must have the shape of input_ids {input_ids.shape} "
                         f"([batch_size, seq_length]), got {value.shape}.")
    if value.shape.is_fully_defined() and input_ids.shape.is_fully_defined():
        return []
    return [tf.debugging.assert_equal(tf.shape(value), tf.shape(input_ids),
                                      message=f"bert: {name} must have the shape of input_ids")]


@register("bert")
def build_bert(**config):
    """`bert`: BertConfig's fields (a `bert_config.json` as it is) plus the port's head keys.

    Extra keys: `heads` (a list among "pretraining", "masked_lm",
    "next_sentence"), `num_labels` (run_classifier.py's head), `scope`
    (default "bert"), `use_one_hot_embeddings`. See `zoo.bert.config`.
    """
    bert_config, extras = parse_config(config)
    return BertModel(bert_config, **extras)
