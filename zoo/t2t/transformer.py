"""tensor2tensor's `transformer` model (`models/transformer.py`) as a tracked Keras layer.

Same scopes in the same order as t2t (>= 1.3): `transformer/symbol_modality_*`
(inputs, then targets), `transformer/body/` with `target_space_embedding`,
`encoder/layer_<i>/{self_attention,ffn}` and
`decoder/layer_<i>/{self_attention,encdec_attention,ffn}`, each sublayer's
`layer_prepostprocess/layer_norm`, and a final `layer_prepostprocess` after
each stack; then the softmax. Numerics as t2t: embeddings scaled by
sqrt(hidden_size), padding found from all-zero embeddings, t2t's sinusoid
timing signal, -1e9 attention masks, targets shifted right inside, queries
scaled by depth^-0.5 before q.k, the feed-forward output zeroed at padded
encoder positions (t2t's pad remover).
"""

import keras
import numpy as np
import tensorflow as tf

import tf1track_core
from zoo.common import attention
from zoo.common.dense import dense
from zoo.registry import register
from zoo.t2t import common_layers, fast_decode
from zoo.t2t.hparams import make_hparams
from zoo.t2t.modalities import SymbolModality

v1 = tf.compat.v1

# t2t's decoding: an output may grow 50 ids past its input's length.
DEFAULT_EXTRA_LENGTH = 50


def multihead_attention(query_antecedent, memory_antecedent, bias, hparams, *, training,
                        cache=None):
    """t2t's `multihead_attention` (dot product) in scope `multihead_attention`.

    With a `cache`, self-attention appends this step's keys and values to
    `cache["k"]`/`cache["v"]`, and encoder-decoder attention reads the
    encoder's precomputed `cache["k_encdec"]`/`cache["v_encdec"]`.
    """
    key_depth = hparams.attention_key_channels or hparams.hidden_size
    value_depth = hparams.attention_value_channels or hparams.hidden_size
    heads = hparams.num_heads
    with v1.variable_scope("multihead_attention"):
        if cache is None or memory_antecedent is None:
            memory = query_antecedent if memory_antecedent is None else memory_antecedent
            q = dense(query_antecedent, key_depth, use_bias=False, name="q")
            k = dense(memory, key_depth, use_bias=False, name="k")
            v = dense(memory, value_depth, use_bias=False, name="v")
        if cache is not None:
            if memory_antecedent is not None:
                q = dense(query_antecedent, key_depth, use_bias=False, name="q")
                k, v = cache["k_encdec"], cache["v_encdec"]
            else:
                k = cache["k"] = tf.concat([cache["k"], attention.split_heads(k, heads)], axis=2)
                v = cache["v"] = tf.concat([cache["v"], attention.split_heads(v, heads)], axis=2)
        q = attention.split_heads(q, heads)
        if cache is None:
            k = attention.split_heads(k, heads)
            v = attention.split_heads(v, heads)
        q *= (key_depth // heads) ** -0.5
        x = attention.dot_product_attention(
            q, k, v, bias, dropout_rate=hparams.attention_dropout, training=training)
        # (t2t's attention_dropout_broadcast_dims only shapes the dropout mask.)
        x = attention.combine_heads(x)
        return dense(x, hparams.hidden_size, use_bias=False, name="output_transform")


def transformer_ffn_layer(x, hparams, *, training, nonpadding=None):
    """t2t's `transformer_ffn_layer` for `dense_relu_dense`; zero at padding with a pad remover."""
    y = common_layers.dense_relu_dense(
        x, hparams.filter_size, hparams.hidden_size, dropout=hparams.relu_dropout,
        dropout_broadcast_dims=common_layers.parse_broadcast_dims(
            hparams.relu_dropout_broadcast_dims), training=training)
    if nonpadding is not None:
        # t2t removes padded positions before the feed-forward and scatters
        # them back as zeros; position-wise, that is a multiplication.
        y *= nonpadding[..., tf.newaxis]
    return y


def transformer_encoder(encoder_input, self_attention_bias, hparams, *, training):
    """t2t's `transformer_encoder`: the stack, then a final pre-process (the last norm)."""
    x = encoder_input
    with v1.variable_scope("encoder"):
        padding = attention.attention_bias_to_padding(self_attention_bias)
        nonpadding = (1.0 - padding) if hparams.use_pad_remover else None
        for layer in range(hparams.num_encoder_layers or hparams.num_hidden_layers):
            with v1.variable_scope(f"layer_{layer}"):
                with v1.variable_scope("self_attention"):
                    y = multihead_attention(
                        common_layers.layer_preprocess(x, hparams, training), None,
                        self_attention_bias, hparams, training=training)
                    x = common_layers.layer_postprocess(x, y, hparams, training)
                with v1.variable_scope("ffn"):
                    y = transformer_ffn_layer(
                        common_layers.layer_preprocess(x, hparams, training), hparams,
                        training=training, nonpadding=nonpadding)
                    x = common_layers.layer_postprocess(x, y, hparams, training)
        return common_layers.layer_preprocess(x, hparams, training)


def transformer_decoder(decoder_input, encoder_output, self_attention_bias,
                        encoder_decoder_attention_bias, hparams, *, training, cache=None):
    """t2t's `transformer_decoder`; with `cache` (one entry per layer) it decodes one step."""
    x = decoder_input
    with v1.variable_scope("decoder"):
        for layer in range(hparams.num_decoder_layers or hparams.num_hidden_layers):
            name = f"layer_{layer}"
            layer_cache = cache[name] if cache is not None else None
            with v1.variable_scope(name):
                with v1.variable_scope("self_attention"):
                    y = multihead_attention(
                        common_layers.layer_preprocess(x, hparams, training), None,
                        self_attention_bias, hparams, training=training, cache=layer_cache)
                    x = common_layers.layer_postprocess(x, y, hparams, training)
                if encoder_output is not None:
                    with v1.variable_scope("encdec_attention"):
                        y = multihead_attention(
                            common_layers.layer_preprocess(x, hparams, training),
                            encoder_output, encoder_decoder_attention_bias, hparams,
                            training=training, cache=layer_cache)
                        x = common_layers.layer_postprocess(x, y, hparams, training)
                with v1.variable_scope("ffn"):
                    y = transformer_ffn_layer(
                        common_layers.layer_preprocess(x, hparams, training), hparams,
                        training=training)
                    x = common_layers.layer_postprocess(x, y, hparams, training)
        return common_layers.layer_preprocess(x, hparams, training)


def transformer_prepare_encoder(inputs, hparams):
    """Embedded inputs -> (encoder input, self-attention bias, encoder-decoder bias), as t2t."""
    padding = attention.padding_from_embeddings(inputs)
    ignore_padding = attention.attention_bias_ignore_padding(padding)
    encoder_input = inputs
    if hparams.use_target_space_embedding:
        target_space = common_layers.embedding(
            tf.constant(hparams.target_space_id, tf.int32), 32, inputs.shape[-1],
            name="target_space_embedding")
        encoder_input += tf.reshape(target_space, [1, 1, -1])
    if hparams.pos == "timing":
        encoder_input = attention.add_timing_signal_1d(encoder_input)
    return encoder_input, ignore_padding, ignore_padding


def transformer_prepare_decoder(targets, hparams):
    """Embedded targets -> (decoder input shifted right with timing, causal bias), as t2t."""
    length = attention.shape_list(targets)[1]
    if hparams.causal_decoder_self_attention:
        self_attention_bias = attention.attention_bias_lower_triangle(length)
    else:
        self_attention_bias = tf.zeros([1, 1, length, length])
    decoder_input = common_layers.shift_right_3d(targets)
    if hparams.pos == "timing":
        decoder_input = attention.add_timing_signal_1d(decoder_input)
    return decoder_input, self_attention_bias


def _initializer(hparams):
    """t2t's global initializer (`optimize.get_variable_initializer`)."""
    gain = hparams.initializer_gain
    if hparams.initializer == "uniform_unit_scaling":
        return v1.variance_scaling_initializer(gain, mode="fan_avg", distribution="uniform")
    if hparams.initializer == "normal_unit_scaling":
        return v1.variance_scaling_initializer(gain, mode="fan_avg", distribution="normal")
    if hparams.initializer == "uniform":
        return v1.random_uniform_initializer(-0.1 * gain, 0.1 * gain)
    if hparams.initializer == "orthogonal":
        return v1.orthogonal_initializer(gain=gain)
    raise ValueError(f"transformer: initializer {hparams.initializer!r} is not supported.")


class Transformer(keras.layers.Layer):
    """t2t's Transformer: `call(inputs, targets, training=False)` -> logits `[b, T, vocab]`.

    `inputs` and `targets` are int ids `[batch, length]` (t2t's
    `[batch, length, 1, 1]` is accepted too), 0 padding and 1 EOS; targets
    are shifted right inside, as t2t. `decode(inputs, beam_size=1,
    alpha=0.6, max_length=None)` generates with the incremental decoder.
    """

    def __init__(self, hparams, **kwargs):
        super().__init__(**kwargs)
        self.hparams = hparams
        self.modality = SymbolModality(hparams)

    def example_inputs(self, batch_size=1, length=4):
        """Ids `{"inputs", "targets"}` `[batch, length]` (variables do not depend on length)."""
        ids = np.full([batch_size, length], 2, np.int32)
        ids[:, -1] = 1
        return {"inputs": ids, "targets": ids.copy()}

    def serving_input_specs(self):
        """Any batch and lengths of int32 ids."""
        return [tf.TensorSpec([None, None], tf.int32, name="inputs"),
                tf.TensorSpec([None, None], tf.int32, name="targets")]

    def _ids(self, ids, name):
        ids = tf.convert_to_tensor(ids)
        if not ids.dtype.is_integer:
            raise TypeError(f"transformer: {name} must be integer ids, got {ids.dtype.name}.")
        if ids.shape.rank == 4:
            ids = tf.squeeze(ids, [2, 3])
        if ids.shape.rank != 2:
            raise ValueError(f"transformer: {name} must be [batch, length] ids, got shape "
                             f"{ids.shape}.")
        ids = tf.cast(ids, tf.int32)
        checks = [
            tf.debugging.assert_non_negative(ids, message=f"transformer: {name} has a negative id"),
            tf.debugging.assert_less(
                ids, self.hparams.vocab_size,
                message=f"transformer: {name} has an id >= vocab_size {self.hparams.vocab_size}"),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(ids)

    def encode(self, embedded_inputs, training):
        """In scope `body`: the encoder output and the encoder-decoder attention bias."""
        hparams = self.hparams
        encoder_input, self_bias, encdec_bias = transformer_prepare_encoder(embedded_inputs,
                                                                            hparams)
        encoder_input = attention.dropout(encoder_input, hparams.layer_prepostprocess_dropout,
                                          training)
        return transformer_encoder(encoder_input, self_bias, hparams, training=training), \
            encdec_bias

    def decode_body(self, decoder_input, encoder_output, encdec_bias, self_bias, training,
                    cache=None):
        """In scope `body`: t2t's `Transformer.decode` (dropout, then the decoder stack)."""
        decoder_input = attention.dropout(decoder_input, self.hparams.layer_prepostprocess_dropout,
                                          training)
        return transformer_decoder(decoder_input, encoder_output, self_bias, encdec_bias,
                                   self.hparams, training=training, cache=cache)

    @tf1track_core.track_tf1_style_variables
    def call(self, inputs, targets, training=False, return_end_points=False):
        """Teacher-forced logits; with `return_end_points`, also encoder and decoder outputs."""
        training = bool(training)
        inputs, targets = self._ids(inputs, "inputs"), self._ids(targets, "targets")
        with v1.variable_scope("transformer", initializer=_initializer(self.hparams)):
            embedded_inputs = self.modality.bottom(inputs, training)
            embedded_targets = self.modality.targets_bottom(targets, training)
            with v1.variable_scope("body"):
                encoder_output, encdec_bias = self.encode(embedded_inputs, training)
                decoder_input, self_bias = transformer_prepare_decoder(embedded_targets,
                                                                       self.hparams)
                decoder_output = self.decode_body(decoder_input, encoder_output, encdec_bias,
                                                  self_bias, training)
            logits = self.modality.top(decoder_output)
        if return_end_points:
            return {"logits": logits, "encoder_output": encoder_output,
                    "decoder_output": decoder_output}
        return logits

    @tf1track_core.track_tf1_style_variables
    def decode(self, inputs, beam_size=1, alpha=0.6, max_length=None):
        """Generates target ids: greedy for `beam_size` 1, else t2t's beam search.

        Args:
          inputs: `[batch, length]` int ids.
          beam_size: 1 for greedy decoding.
          alpha: the length penalty exponent, `((5 + length) / 6) ** alpha`.
          max_length: the most ids to generate (default: the input length
            plus 50, as t2t's `decode_length`).

        Returns:
          `{"outputs": [batch, length] ids, "scores": [batch]}`: for beam
          search the best beam and its length-penalised log probability, for
          greedy the sum of log probabilities up to EOS. Finished beams are
          padded with 0 after EOS; greedy, as t2t, keeps the ids it chose
          after a sequence's EOS until every sequence has one.
        """
        if not isinstance(beam_size, int) or beam_size < 1:
            raise ValueError(f"transformer.decode: beam_size must be a positive integer, got "
                             f"{beam_size!r}.")
        inputs = self._ids(inputs, "inputs")
        with v1.variable_scope("transformer", initializer=_initializer(self.hparams)):
            embedded_inputs = self.modality.bottom(inputs, False)
            with v1.variable_scope("body"):
                encoder_output, encdec_bias = self.encode(embedded_inputs, False)
            if max_length is None:
                max_length = tf.shape(inputs)[1] + DEFAULT_EXTRA_LENGTH
            return fast_decode.fast_decode(self, encoder_output, encdec_bias,
                                           decode_length=max_length, beam_size=beam_size,
                                           alpha=alpha)


@register("transformer")
def build_transformer(**config):
    """`transformer`: t2t hparams names (a `hparams.json` as it is) plus `vocab_size`."""
    return Transformer(make_hparams(config))
