"""tensorflow/nmt's `model_helper`: initializers, embeddings, cells and attention mechanisms.

Each function keeps nmt's name, arguments and variable scopes, so the models
in `model.py` read like nmt's `model.py`, `attention_model.py` and
`gnmt_model.py`. Device placement (`num_gpus`, `DeviceWrapper`) is left out:
tf.distribute places the work here.
"""

import tensorflow as tf

from tf1track_core import rnn_cell, seq2seq
from tf1track_core.contrib.rnn import LayerNormBasicLSTMCell

v1 = tf.compat.v1


def get_initializer(init_op, seed=None, init_weight=None):
    """nmt's `get_initializer`: the root-scope initializer of every model variable."""
    if init_op == "uniform":
        return v1.random_uniform_initializer(-init_weight, init_weight, seed=seed)
    if init_op == "glorot_normal":
        return v1.glorot_normal_initializer(seed=seed)
    if init_op == "glorot_uniform":
        return v1.glorot_uniform_initializer(seed=seed)
    raise ValueError(f"nmt: unknown init_op {init_op!r} (uniform, glorot_normal, glorot_uniform).")


def create_emb_for_encoder_and_decoder(share_vocab, src_vocab_size, tgt_vocab_size,
                                       src_embed_size, tgt_embed_size, num_enc_partitions=0,
                                       num_dec_partitions=0, scope=None):
    """`(embedding_encoder, embedding_decoder)` under `embeddings/`, as nmt creates them.

    With `share_vocab` both are one `embeddings/embedding_share`; otherwise
    `embeddings/encoder/embedding_encoder` and `embeddings/decoder/embedding_decoder`.
    A partition count above 1 splits a table into `fixed_size_partitioner`
    shards (`.../part_<i>`), as nmt's `num_embeddings_partitions`.
    """
    enc_partitioner = (v1.fixed_size_partitioner(num_enc_partitions)
                       if num_enc_partitions > 1 else None)
    dec_partitioner = (v1.fixed_size_partitioner(num_dec_partitions)
                       if num_dec_partitions > 1 else None)
    # nmt puts the shared table's partitioner on the `embeddings` scope itself.
    with v1.variable_scope(scope or "embeddings",
                           partitioner=enc_partitioner if share_vocab else None):
        if share_vocab:
            if src_vocab_size != tgt_vocab_size:
                raise ValueError(f"nmt: share_vocab needs src_vocab_size == tgt_vocab_size, got "
                                 f"{src_vocab_size} and {tgt_vocab_size}.")
            embedding = v1.get_variable("embedding_share", [src_vocab_size, src_embed_size])
            return embedding, embedding
        with v1.variable_scope("encoder", partitioner=enc_partitioner):
            embedding_encoder = v1.get_variable("embedding_encoder",
                                                [src_vocab_size, src_embed_size])
        with v1.variable_scope("decoder", partitioner=dec_partitioner):
            embedding_decoder = v1.get_variable("embedding_decoder",
                                                [tgt_vocab_size, tgt_embed_size])
    return embedding_encoder, embedding_decoder


def _single_cell(unit_type, num_units, forget_bias, dropout, training, residual_connection=False,
                 residual_fn=None):
    """One cell of `unit_type`, with input dropout when training and a residual wrapper."""
    dropout = dropout if training else 0.0
    if unit_type == "lstm":
        cell = rnn_cell.BasicLSTMCell(num_units, forget_bias=forget_bias)
    elif unit_type == "gru":
        cell = rnn_cell.GRUCell(num_units)
    elif unit_type == "layer_norm_lstm":
        cell = LayerNormBasicLSTMCell(num_units, forget_bias=forget_bias, layer_norm=True)
    else:  # (make_hparams refused "nas" and unknown types already)
        raise ValueError(f"nmt: unit_type {unit_type!r} is not lstm, gru or layer_norm_lstm.")
    if dropout > 0.0:
        cell = rnn_cell.DropoutWrapper(cell=cell, input_keep_prob=1.0 - dropout)
    if residual_connection:
        cell = rnn_cell.ResidualWrapper(cell, residual_fn=residual_fn)
    return cell


def cell_list(unit_type, num_units, num_layers, num_residual_layers, forget_bias, dropout,
              training, residual_fn=None):
    """nmt's `_cell_list`: the last `num_residual_layers` of `num_layers` cells are residual."""
    return [_single_cell(unit_type, num_units, forget_bias, dropout, training,
                         residual_connection=(i >= num_layers - num_residual_layers),
                         residual_fn=residual_fn)
            for i in range(num_layers)]


def create_rnn_cell(unit_type, num_units, num_layers, num_residual_layers, forget_bias, dropout,
                    training):
    """One cell, or a `MultiRNNCell` of several (its variables then live in `multi_rnn_cell/`)."""
    cells = cell_list(unit_type, num_units, num_layers, num_residual_layers, forget_bias, dropout,
                      training)
    return cells[0] if len(cells) == 1 else rnn_cell.MultiRNNCell(cells)


def create_attention_mechanism(attention_option, num_units, memory, source_sequence_length):
    """nmt's four attention options over `memory` `[batch, time, depth]`."""
    if attention_option == "luong":
        return seq2seq.LuongAttention(num_units, memory,
                                      memory_sequence_length=source_sequence_length)
    if attention_option == "scaled_luong":
        return seq2seq.LuongAttention(num_units, memory,
                                      memory_sequence_length=source_sequence_length, scale=True)
    if attention_option == "bahdanau":
        return seq2seq.BahdanauAttention(num_units, memory,
                                         memory_sequence_length=source_sequence_length)
    if attention_option == "normed_bahdanau":
        return seq2seq.BahdanauAttention(num_units, memory,
                                         memory_sequence_length=source_sequence_length,
                                         normalize=True)
    raise ValueError(f"nmt: unknown attention {attention_option!r} "
                     "(luong, scaled_luong, bahdanau, normed_bahdanau).")
