"""tensor2tensor's fast decoding (`transformer.fast_decode`): an incremental decoder.

The cache holds, per decoder layer, the self-attention keys and values of the
ids decoded so far (`k`, `v`: `[batch, heads, steps, depth]`, one step longer
each time) and the encoder's keys and values for encoder-decoder attention
(`k_encdec`, `v_encdec`, computed once). Each step then embeds only the last
id and attends over the cache: a length-L output costs L decoder steps, not
L full re-decodes.
"""

import tensorflow as tf

from zoo.common import attention
from zoo.common.dense import dense
from zoo.t2t import beam_search

v1 = tf.compat.v1


def init_cache(hparams, encoder_output, encdec_bias):
    """The empty self-attention cache and the encoder's keys/values, under t2t's scopes."""
    batch_size = attention.shape_list(encoder_output)[0]
    key_channels = hparams.attention_key_channels or hparams.hidden_size
    value_channels = hparams.attention_value_channels or hparams.hidden_size
    heads = hparams.num_heads
    cache = {}
    for layer in range(hparams.num_decoder_layers or hparams.num_hidden_layers):
        name = f"layer_{layer}"
        with v1.variable_scope(f"body/decoder/{name}/encdec_attention/multihead_attention"):
            k_encdec = dense(encoder_output, key_channels, use_bias=False, name="k")
            v_encdec = dense(encoder_output, value_channels, use_bias=False, name="v")
        cache[name] = {
            "k": tf.zeros([batch_size, heads, 0, key_channels // heads]),
            "v": tf.zeros([batch_size, heads, 0, value_channels // heads]),
            "k_encdec": attention.split_heads(k_encdec, heads),
            "v_encdec": attention.split_heads(v_encdec, heads),
        }
    cache["encoder_output"] = encoder_output
    cache["encoder_decoder_attention_bias"] = encdec_bias
    return cache


def fast_decode(model, encoder_output, encdec_bias, *, decode_length, beam_size, alpha,
                eos_id=beam_search.EOS_ID):
    """Greedy (`beam_size` 1) or beam-search decoding in the model's `transformer` scope.

    Returns:
      `{"outputs": int32 [batch, length], "scores": float32 [batch]}`.
    """
    hparams = model.hparams
    batch_size = attention.shape_list(encoder_output)[0]
    timing_signal = (attention.get_timing_signal_1d(decode_length + 1, hparams.hidden_size)
                     if hparams.pos == "timing" else None)
    self_attention_bias = attention.attention_bias_lower_triangle(decode_length)

    def symbols_to_logits_fn(ids, i, cache):
        targets = model.modality.targets_bottom(ids[:, -1:])
        # The first step sees no previous id (t2t's shift right gives zeros).
        targets = tf.cond(tf.equal(i, 0), lambda: tf.zeros_like(targets), lambda: targets)
        if timing_signal is not None:
            targets += timing_signal[:, i:i + 1]
        bias = self_attention_bias[:, :, i:i + 1, :i + 1]
        with v1.variable_scope("body"):
            body_output = model.decode_body(
                targets, cache["encoder_output"], cache["encoder_decoder_attention_bias"], bias,
                False, cache=cache)
        return tf.squeeze(model.modality.top(body_output), axis=1), cache

    cache = init_cache(hparams, encoder_output, encdec_bias)
    if beam_size > 1:
        initial_ids = tf.zeros([batch_size], tf.int32)
        sequences, scores = beam_search.beam_search(
            symbols_to_logits_fn, initial_ids, beam_size, decode_length, hparams.vocab_size,
            alpha, states=cache, eos_id=eos_id, stop_early=True)
        return {"outputs": sequences[:, 0, 1:], "scores": scores[:, 0]}
    return _greedy(symbols_to_logits_fn, cache, batch_size, decode_length, eos_id)


def _greedy(symbols_to_logits_fn, cache, batch_size, decode_length, eos_id):
    """t2t's greedy loop: argmax ids until every sequence hit EOS or `decode_length`."""

    def step(i, hit_eos, next_id, decoded_ids, cache, log_prob):
        logits, cache = symbols_to_logits_fn(next_id, i, cache)
        log_probs = logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True)
        next_id = tf.argmax(logits, axis=-1)
        chosen = tf.gather_nd(log_probs, tf.stack([tf.range(tf.cast(batch_size, tf.int64)),
                                                   next_id], axis=1))
        # A sequence's score stops growing at its EOS.
        log_prob += chosen * (1.0 - tf.cast(hit_eos, tf.float32))
        hit_eos |= tf.equal(next_id, eos_id)
        next_id = tf.expand_dims(next_id, axis=1)
        return (i + 1, hit_eos, next_id, tf.concat([decoded_ids, next_id], axis=1), cache,
                log_prob)

    def not_finished(i, hit_eos, *_):
        return tf.logical_not(tf.logical_or(i >= decode_length, tf.reduce_all(hit_eos)))

    loop_vars = [tf.constant(0), tf.fill([batch_size], False),
                 tf.zeros([batch_size, 1], tf.int64), tf.zeros([batch_size, 0], tf.int64),
                 cache, tf.zeros([batch_size], tf.float32)]
    invariants = [tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape([None, None]),
                  tf.TensorShape([None, None]),
                  tf.nest.map_structure(beam_search.get_state_shape_invariants, cache),
                  tf.TensorShape([None])]
    _, _, _, decoded_ids, _, log_prob = tf.while_loop(not_finished, step, loop_vars,
                                                      shape_invariants=invariants)
    return {"outputs": tf.cast(decoded_ids, tf.int32), "scores": log_prob}
