"""nmt's vocabulary files (`vocab.src` / `vocab.tgt`) and their `tf.lookup` tables.

A file holds one token per line; as nmt's `check_vocab`, when its first
three tokens are not `<unk>`, `<s>`, `</s>` those three are put in front
(nmt wrote such a copy to its `out_dir` and counted the vocabulary with
them). Unknown tokens map to `<unk>`, id 0, as nmt's
`index_table_from_file(default_value=UNK_ID)`. Text is split on spaces
(nmt's iterator's `string_split`); translations are joined with spaces and
cut before `</s>`, undoing BPE's `@@ ` or SentencePiece's `▁` as nmt's
`get_translation` for `subword_option` "bpe" / "spm".
"""

import tensorflow as tf

UNK = "<unk>"
UNK_ID = 0


def read_vocab(path, sos="<s>", eos="</s>", check_special_token=True):
    """The tokens of an nmt vocabulary file, special tokens first (as `check_vocab`)."""
    if not tf.io.gfile.exists(path):
        raise ValueError(f"nmt: vocabulary file {path} does not exist.")
    with tf.io.gfile.GFile(path, "rb") as f:
        tokens = [line.decode("utf-8").strip() for line in f]
    if not tokens:
        raise ValueError(f"nmt: vocabulary file {path} is empty.")
    if check_special_token and tokens[:3] != [UNK, sos, eos]:
        tokens = [UNK, sos, eos] + tokens
    seen = {}
    for i, token in enumerate(tokens):
        if token in seen:
            raise ValueError(f"nmt: vocabulary file {path} holds {token!r} twice (lines "
                             f"{seen[token] + 1} and {i + 1}, counting any special tokens "
                             "put in front).")
        seen[token] = i
    return tokens


class Vocabulary(tf.Module):
    """One side's vocabulary: token <-> id tables, checked against the model's vocab size.

    A `tf.Module`, so a SavedModel of the model carries its tables.
    """

    def __init__(self, path, hparams, side):
        """Reads `path` and checks its size against `hparams.<side>_vocab_size`."""
        super().__init__(name=f"{side}_vocab")
        self.path = path
        self.tokens = read_vocab(path, hparams.sos, hparams.eos, hparams.check_special_token)
        expected = getattr(hparams, f"{side}_vocab_size")
        if len(self.tokens) != expected:
            raise ValueError(f"nmt: {side}_vocab_file {path} has {len(self.tokens)} tokens "
                             f"(with <unk>, <s>, </s>), but {side}_vocab_size is {expected}.")
        self.subword_option = getattr(hparams, "subword_option", "") or ""
        self.eos = hparams.eos
        ids = tf.range(len(self.tokens), dtype=tf.int64)
        tokens = tf.constant(self.tokens)
        self._ids = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tokens, ids), default_value=UNK_ID)
        self._tokens = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(ids, tokens), default_value=UNK)

    def id_of(self, token):
        """The id of `token` (a special token the file must hold)."""
        if token not in self.tokens:
            raise ValueError(f"nmt: vocabulary file {self.path} has no {token!r}.")
        return self.tokens.index(token)

    def lookup(self, sentences):
        """`[batch]` strings -> `(ids [batch, max tokens] int32, lengths [batch] int32)`.

        Padded with the eos token (`</s>`), as nmt's iterator pads sources.
        """
        sentences = tf.convert_to_tensor(sentences, tf.string)
        if sentences.shape.rank != 1:
            raise ValueError(f"nmt: text source must be a [batch] string tensor, got shape "
                             f"{sentences.shape}.")
        words = tf.strings.split(sentences)
        ids = tf.ragged.map_flat_values(self._ids.lookup, words)
        pad = self.tokens.index(self.eos) if self.eos in self.tokens else UNK_ID
        return (tf.cast(ids.to_tensor(default_value=pad), tf.int32),
                tf.cast(ids.row_lengths(), tf.int32))

    def text(self, ids, lengths):
        """`[batch, time]` ids and lengths -> `[batch]` strings (joined as `get_translation`)."""
        mask = tf.sequence_mask(lengths, tf.shape(ids)[1])
        words = tf.ragged.boolean_mask(self._tokens.lookup(tf.cast(ids, tf.int64)), mask)
        text = tf.strings.reduce_join(words, axis=1, separator=" ")
        if self.subword_option == "bpe":
            text = tf.strings.regex_replace(text, "@@ ", "")
        elif self.subword_option == "spm":
            text = tf.strings.strip(tf.strings.regex_replace(
                tf.strings.regex_replace(text, " ", ""), "\u2581", " "))
        return text
