"""tf.contrib.seq2seq's `LuongAttention` and `BahdanauAttention`.

A mechanism holds the encoder memory: `values` (masked past
`memory_sequence_length`) and `keys = memory_layer(values)`. Called with a
query and its previous state, it returns `(alignments, next_state)`: the
softmax over memory positions of the score, with positions past the length
masked to `score_mask_value` (-inf) first.

Variables (scopes as in TF1): `memory_layer/kernel` where the mechanism is
built; `luong_attention/attention_g` (scale), `bahdanau_attention/query_layer/
kernel`, `attention_v`, and with `normalize` `attention_g`, `attention_b`,
under the scope the mechanism is called in (the `AttentionWrapper`'s).
"""

import math

import numpy as np
import tensorflow as tf

from tf1track_core.layers.core import Dense
from tf1track_core.rnn_cell.base import zero_state_tensors

v1 = tf.compat.v1


def _mask_memory(memory, memory_sequence_length):
    memory = tf.convert_to_tensor(memory)
    if memory_sequence_length is None:
        return memory
    mask = tf.sequence_mask(memory_sequence_length, maxlen=tf.shape(memory)[1],
                            dtype=memory.dtype)
    return memory * tf.reshape(mask, tf.concat([tf.shape(mask),
                                                tf.ones([memory.shape.rank - 2], tf.int32)], 0))


def _mask_score(score, memory_sequence_length, score_mask_value):
    if memory_sequence_length is None:
        return score
    mask = tf.sequence_mask(memory_sequence_length, maxlen=tf.shape(score)[1])
    return tf.where(mask, score, score_mask_value * tf.ones_like(score))


class _AttentionMechanism:
    """Memory preparation, masking and the probability function, shared by both kinds."""

    def __init__(self, memory, memory_sequence_length, memory_layer, query_layer,
                 probability_fn, score_mask_value, name):
        if probability_fn is None:
            probability_fn = tf.nn.softmax
        if not callable(probability_fn):
            raise TypeError(f"probability_fn must be callable, saw type: "
                            f"{type(probability_fn).__name__}")
        self.memory_layer = memory_layer
        self.query_layer = query_layer
        self._memory_sequence_length = memory_sequence_length
        self.values = _mask_memory(memory, memory_sequence_length)
        if self.values.shape[2:].num_elements() is None:
            raise ValueError(f"Expected memory to have fully defined inner dims, but saw "
                             f"shape: {self.values.shape}")
        self.keys = memory_layer(self.values) if memory_layer is not None else self.values
        if score_mask_value is None:
            score_mask_value = self.values.dtype.as_numpy_dtype(-np.inf)
        self._score_mask_value = score_mask_value
        self._probability_fn = probability_fn
        self.batch_size = self.keys.shape[0] or tf.shape(self.keys)[0]
        self.alignments_size = self.keys.shape[1] or tf.shape(self.keys)[1]
        self.state_size = self.alignments_size
        self.dtype = self.values.dtype
        self.name = name

    def _alignments(self, score):
        return self._probability_fn(
            _mask_score(score, self._memory_sequence_length, self._score_mask_value))

    def initial_alignments(self, batch_size, dtype):
        """Zeros `[batch_size, max_time]`."""
        return zero_state_tensors(self.alignments_size, batch_size, dtype)

    def initial_state(self, batch_size, dtype):
        """The state before the first step: the initial alignments."""
        return self.initial_alignments(batch_size, dtype)


class LuongAttention(_AttentionMechanism):
    """Multiplicative attention: `score = query . keys` (times `attention_g` with `scale`)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False,
                 probability_fn=None, score_mask_value=None, dtype=None, name="LuongAttention"):
        super().__init__(memory, memory_sequence_length,
                         Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype),
                         None, probability_fn, score_mask_value, name)
        self.num_units = num_units
        self.scale = scale

    def __call__(self, query, state):
        with v1.variable_scope(None, "luong_attention", [query]):
            depth, key_units = query.shape[-1], self.keys.shape[-1]
            if depth != key_units:
                raise ValueError(
                    f"Incompatible or unknown inner dimensions between query and keys. Query "
                    f"has units: {depth}. Keys have units: {key_units}. Perhaps you need to "
                    f"set num_units to the keys' dimension ({key_units})?")
            score = tf.squeeze(tf.matmul(tf.expand_dims(query, 1), self.keys, transpose_b=True),
                               [1])
            if self.scale:
                attention_g = v1.get_variable("attention_g", dtype=query.dtype, shape=(),
                                              initializer=v1.ones_initializer())
                score = attention_g * score
        alignments = self._alignments(score)
        return alignments, alignments


class BahdanauAttention(_AttentionMechanism):
    """Additive attention: `score = v . tanh(keys + query_layer(query))` (weight-normed with `normalize`)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False,
                 probability_fn=None, score_mask_value=None, dtype=None,
                 name="BahdanauAttention"):
        super().__init__(memory, memory_sequence_length,
                         Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype),
                         Dense(num_units, name="query_layer", use_bias=False, dtype=dtype),
                         probability_fn, score_mask_value, name)
        self.num_units = num_units
        self.normalize = normalize

    def __call__(self, query, state):
        with v1.variable_scope(None, "bahdanau_attention", [query]):
            processed_query = tf.expand_dims(self.query_layer(query), 1)
            dtype = processed_query.dtype
            # A Python int even under TF1's TensorShape (Dimension) semantics.
            num_units = tf.compat.dimension_value(self.keys.shape[2])
            v = v1.get_variable("attention_v", [num_units], dtype=dtype)
            if self.normalize:
                g = v1.get_variable("attention_g", dtype=dtype, shape=(),
                                    initializer=v1.constant_initializer(math.sqrt(1.0 / num_units)))
                b = v1.get_variable("attention_b", [num_units], dtype=dtype,
                                    initializer=v1.zeros_initializer())
                normed_v = g * v * tf.math.rsqrt(tf.reduce_sum(tf.square(v)))
                score = tf.reduce_sum(normed_v * tf.tanh(self.keys + processed_query + b), [2])
            else:
                score = tf.reduce_sum(v * tf.tanh(self.keys + processed_query), [2])
        alignments = self._alignments(score)
        return alignments, alignments
