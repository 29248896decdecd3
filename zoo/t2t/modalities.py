"""tensor2tensor's symbol modality: the sharded embedding of ids and the softmax over them.

Variables `symbol_modality_<vocab>_<hidden>/<part>/weights_<i>`, the
vocabulary split row-wise into `symbol_modality_num_shards` shards (the first
`vocab % shards` one row larger). `<part>` is `shared` when inputs, targets
(and, with `shared_embedding_and_softmax_weights`, the softmax) share one
table; else `input_emb`, `target_emb` and `softmax`.
"""

import tensorflow as tf

from zoo.t2t.common_layers import dropout_no_scaling

v1 = tf.compat.v1


class SymbolModality:
    """Embeds ids (`bottom`, `targets_bottom`) and turns decoder outputs into logits (`top`)."""

    def __init__(self, hparams):
        self.hparams = hparams
        self.vocab_size = hparams.vocab_size
        self.name = f"symbol_modality_{hparams.vocab_size}_{hparams.hidden_size}"

    def _weights(self, hidden_dim):
        """The full `[vocab, hidden]` table, concatenated from its shards in the current scope."""
        num_shards = self.hparams.symbol_modality_num_shards
        shards = []
        for i in range(num_shards):
            rows = self.vocab_size // num_shards + (1 if i < self.vocab_size % num_shards else 0)
            shards.append(v1.get_variable(
                f"weights_{i}", [rows, hidden_dim],
                initializer=v1.random_normal_initializer(0.0, hidden_dim ** -0.5)))
        return shards[0] if num_shards == 1 else tf.concat(shards, 0)

    def _embed(self, ids, part, training):
        hparams = self.hparams
        with v1.variable_scope(part, reuse=v1.AUTO_REUSE):
            table = self._weights(hparams.hidden_size)
            ids = dropout_no_scaling(ids, hparams.symbol_dropout, training)
            embedded = tf.gather(table, ids)
            if hparams.multiply_embedding_mode == "sqrt_depth":
                embedded *= hparams.hidden_size ** 0.5
            # Id 0 is padding: its embedding is zero, which is how t2t finds padding later.
            return embedded * tf.cast(tf.not_equal(ids, 0), embedded.dtype)[..., tf.newaxis]

    def _shares_embedding(self):
        return (self.hparams.shared_embedding_and_softmax_weights
                or self.hparams.shared_embedding)

    def bottom(self, ids, training=False):
        """`[batch, length]` input ids -> `[batch, length, hidden]` (scaled, padding zeroed)."""
        with v1.variable_scope(self.name):
            return self._embed(ids, "shared" if self._shares_embedding() else "input_emb",
                               training)

    def targets_bottom(self, ids, training=False):
        """Target ids -> embeddings: the inputs' table when shared, else `target_emb`."""
        with v1.variable_scope(self.name):
            return self._embed(ids, "shared" if self._shares_embedding() else "target_emb",
                               training)

    def top(self, body_output):
        """`[batch, length, hidden]` -> logits `[batch, length, vocab]` (`x @ table^T`)."""
        shared = self.hparams.shared_embedding_and_softmax_weights
        with v1.variable_scope(self.name):
            with v1.variable_scope("shared" if shared else "softmax", reuse=v1.AUTO_REUSE):
                table = self._weights(body_output.shape[-1])
                return tf.einsum("...d,vd->...v", body_output, table)
