"""TF 1.15 contrib `embed_sequence`: ids -> embeddings, variable `EmbedSequence/embeddings`."""

import tensorflow as tf

from tf1track_core.contrib.framework import variables

v1 = tf.compat.v1


def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False, initializer=None,
                   regularizer=None, trainable=True, scope=None, reuse=None):
    """Looks `ids` up in a `[vocab_size, embed_dim]` model variable `embeddings`.

    `initializer=None` is get_variable's default (the scope's initializer, else
    Glorot uniform). With `unique`, each distinct id is looked up once.

    Raises:
      ValueError: without `vocab_size` and `embed_dim` when not reusing.
    """
    if not (reuse or (vocab_size and embed_dim)):
        raise ValueError("Must specify vocab size and embedding dimension when not reusing. "
                         f"Got vocab_size={vocab_size} and embed_dim={embed_dim}")
    with v1.variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
        shape = [vocab_size, embed_dim]
        # TF 1.15's condition, precedence included: no embed_dim means no shape.
        if (reuse and vocab_size is None) or embed_dim is None:
            shape = None
        embeddings = variables.model_variable("embeddings", shape=shape,
                                              initializer=initializer,
                                              regularizer=regularizer, trainable=trainable)
        if unique:
            return _embedding_lookup_unique(embeddings, ids)
        return tf.nn.embedding_lookup(embeddings, ids)


def _embedding_lookup_unique(params, ids):
    """`embedding_lookup` of each distinct id once, gathered back to `ids`' shape."""
    with tf.name_scope("EmbeddingLookupUnique"):
        ids = tf.convert_to_tensor(ids)
        shape = tf.shape(ids)
        unique_ids, index = tf.unique(tf.reshape(ids, [-1]))
        embeds = tf.gather(tf.nn.embedding_lookup(params, unique_ids), index)
        return tf.reshape(embeds, tf.concat([shape, tf.shape(embeds)[1:]], 0))
