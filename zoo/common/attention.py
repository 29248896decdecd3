"""Multi-head dot-product attention and its masks, as tensor2tensor and BERT compute them.

Tensors are `[batch, heads, length, depth_per_head]` inside attention and
`[batch, length, depth]` outside. A mask is an additive bias on the attention
logits: tensor2tensor adds -1e9 where attention is not allowed, BERT -10000.
"""

import math

import tensorflow as tf

# tensor2tensor's `large_compatible_negative` for float32.
T2T_NEGATIVE = -1e9
# BERT's `adder` for masked positions.
BERT_NEGATIVE = -10000.0


def split_heads(x, num_heads):
    """`[batch, length, depth]` -> `[batch, heads, length, depth / heads]`."""
    batch, length, depth = shape_list(x)
    x = tf.reshape(x, [batch, length, num_heads, depth // num_heads])
    return tf.transpose(x, [0, 2, 1, 3])


def combine_heads(x):
    """`[batch, heads, length, depth_per_head]` -> `[batch, length, heads * depth_per_head]`."""
    batch, heads, length, depth = shape_list(x)
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, length, heads * depth])


def dot_product_attention(q, k, v, bias, *, dropout_rate=0.0, training=False, logits_scale=None):
    """`softmax(q k^T [* logits_scale] + bias) v`, with dropout on the weights when training.

    tensor2tensor scales the queries before (pass them scaled, no
    `logits_scale`); BERT scales the logits (`logits_scale=1/sqrt(depth)`).
    `bias` broadcasts to `[batch, heads, length_q, length_kv]` (or is None).
    """
    logits = tf.matmul(q, k, transpose_b=True)
    if logits_scale is not None:
        logits = logits * logits_scale
    if bias is not None:
        logits += tf.cast(bias, logits.dtype)
    weights = tf.nn.softmax(logits, name="attention_weights")
    weights = dropout(weights, dropout_rate, training)
    return tf.matmul(weights, v)


def dropout(x, rate, training):
    """Dropout with `rate` (inverted scaling, as tf.nn.dropout) only when training."""
    if not training or not rate:
        return x
    return tf.nn.dropout(x, rate=rate)


def padding_from_embeddings(embedded):
    """1.0 where an embedded position is all zeros (tensor2tensor's `embedding_to_padding`)."""
    return tf.cast(tf.equal(tf.reduce_sum(tf.abs(embedded), axis=-1), 0.0), embedded.dtype)


def attention_bias_ignore_padding(padding):
    """`[batch, 1, 1, length]` bias hiding padded memory positions (`padding` is 1.0 there)."""
    return (padding * T2T_NEGATIVE)[:, tf.newaxis, tf.newaxis, :]


def attention_bias_to_padding(bias):
    """The padding (1.0) that `attention_bias_ignore_padding` made `bias` from: `[batch, length]`."""
    return tf.cast(tf.less(tf.squeeze(bias, axis=[1, 2]), -1.0), bias.dtype)


def attention_bias_lower_triangle(length):
    """`[1, 1, length, length]` bias letting position i attend to positions <= i only."""
    band = tf.linalg.band_part(tf.ones([length, length]), -1, 0)
    return tf.reshape(T2T_NEGATIVE * (1.0 - band), [1, 1, length, length])


def bert_attention_mask(from_length, input_mask):
    """BERT's `[batch, from_length, to_length]` mask: 1.0 where the key is not padding."""
    to_mask = tf.cast(input_mask, tf.float32)[:, tf.newaxis, :]
    broadcast_ones = tf.ones([tf.shape(input_mask)[0], from_length, 1], tf.float32)
    return broadcast_ones * to_mask


def bert_attention_bias(attention_mask):
    """BERT's adder `(1 - mask) * -10000` as a `[batch, 1, from, to]` bias."""
    return (1.0 - tf.cast(attention_mask, tf.float32))[:, tf.newaxis, :, :] * BERT_NEGATIVE


def get_timing_signal_1d(length, channels, min_timescale=1.0, max_timescale=1.0e4,
                         start_index=0):
    """tensor2tensor's sinusoids `[1, length, channels]`: sines then cosines, geometric timescales."""
    position = tf.cast(tf.range(length) + start_index, tf.float32)
    num_timescales = channels // 2
    log_timescale_increment = (math.log(float(max_timescale) / float(min_timescale))
                               / max(float(num_timescales) - 1, 1.0))
    inv_timescales = min_timescale * tf.exp(
        tf.cast(tf.range(num_timescales), tf.float32) * -log_timescale_increment)
    scaled_time = position[:, tf.newaxis] * inv_timescales[tf.newaxis, :]
    signal = tf.concat([tf.sin(scaled_time), tf.cos(scaled_time)], axis=1)
    signal = tf.pad(signal, [[0, 0], [0, channels % 2]])
    return tf.reshape(signal, [1, length, channels])


def add_timing_signal_1d(x, min_timescale=1.0, max_timescale=1.0e4, start_index=0):
    """`x [batch, length, channels]` plus tensor2tensor's timing signal."""
    _, length, channels = shape_list(x)
    return x + tf.cast(get_timing_signal_1d(length, channels, min_timescale, max_timescale,
                                            start_index), x.dtype)


def shape_list(x):
    """Static dimensions where known, dynamic ones elsewhere (tensor2tensor's `shape_list`)."""
    static = x.shape.as_list()
    dynamic = tf.shape(x)
    return [dim if dim is not None else dynamic[i] for i, dim in enumerate(static)]

