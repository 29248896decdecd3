"""BERT WordPiece tokenization from an original `vocab.txt`, on tensorflow-text.

Reproduces google-research/bert's `tokenization.FullTokenizer(vocab_file,
do_lower_case)` token for token, in TensorFlow ops (so it runs inside tf.data
and `tf.function`), and builds classifier inputs as bert's
`run_classifier.convert_single_example` does.

Why not `text.BertTokenizer(lower_case=True)` as is: its lower-casing is ICU
NFKC case folding ("²" -> "2", "ß" -> "ss", "ﬁ" -> "fi"), where bert uses
Python's `str.lower()`; over all Unicode code points that changes ~8000
tokenizations (`text.FastBertNormalizer` the same). Its `max_bytes_per_word`
counts UTF-8 bytes where bert's `max_input_chars_per_word` (200) counts
characters, and it turns control characters into spaces where bert deletes
them. So this module composes the pieces `BertTokenizer` itself is made of
(`normalize_utf8`, `regex_split`, `WordpieceTokenizer`) around bert's own
normalization, written with `tf.strings` ops. What is left differs from bert
only on characters whose Unicode properties differ between the Python running
bert (its `unicodedata`) and TensorFlow's ICU/RE2 tables, i.e. characters
assigned in recent Unicode versions.
"""

import collections

import tensorflow as tf
import tensorflow_text as text

# bert's `_clean_text` deletes NUL, U+FFFD and control/format characters
# (Cc, Cf), except \t \n \r, which count as whitespace.
_DELETED = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{FFFD}]|\p{Cf}"
# ... and makes whitespace (\t \n \r, Zs) a space. U+2028/U+2029 too: bert
# keeps them, then its `str.split()` splits there.
_WHITESPACE = r"[\t\n\r\p{Zs}\x{2028}\x{2029}]"
# bert's `_is_punctuation`: all non-alphanumeric ASCII, and Unicode P*.
_PUNCTUATION = r"[!-/:-@\[-`{-~]|\p{P}"
# bert's `_is_chinese_char`: the CJK Unified Ideograph blocks.
_CJK = (r"[\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}"
        r"\x{2A700}-\x{2B73F}\x{2B740}-\x{2B81F}\x{2B820}-\x{2CEAF}"
        r"\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F}]")
_SPLIT = "|".join([" +", _PUNCTUATION, _CJK])
_KEEP = "|".join([_PUNCTUATION, _CJK])


def load_vocab(vocab_file):
    """Reads a BERT `vocab.txt` exactly as bert's `tokenization.load_vocab`.

    One token per line, stripped of surrounding whitespace; a repeated token
    keeps its first id, and (as in bert) later tokens are numbered by the count
    of distinct tokens before them, not by line.

    Returns:
      An ordered dict token -> id.
    """
    with tf.io.gfile.GFile(vocab_file, "rb") as f:
        content = f.read().decode("utf-8")
    # bert reads with readline(), which splits at "\n" only (not at the other
    # characters `str.splitlines` knows).
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    vocab = collections.OrderedDict()
    for line in lines:
        vocab.setdefault(line.strip(), len(vocab))
    return vocab


def truncated_pair_lengths(len_a, len_b, max_length):
    """Lengths bert's `_truncate_seq_pair` leaves, as tensor arithmetic.

    bert pops the last token of the longer sequence (of `b` on a tie) until
    the total fits `max_length`; in closed form: the longer one shrinks to the
    shorter, then `b` and `a` lose tokens alternately, `b` first.
    """
    len_a = tf.convert_to_tensor(len_a)
    len_b = tf.cast(len_b, len_a.dtype)
    max_length = tf.cast(max_length, len_a.dtype)
    pops = tf.maximum(len_a + len_b - max_length, 0)
    shorter = tf.minimum(len_a, len_b)
    gap = tf.abs(len_a - len_b)
    rest = pops - gap  # pops left once both are equally long
    a_longer = len_a > len_b
    only_longer = pops <= gap
    new_a = tf.where(only_longer, tf.where(a_longer, len_a - pops, len_a),
                     shorter - rest // 2)
    new_b = tf.where(only_longer, tf.where(a_longer, len_b, len_b - pops),
                     shorter - (rest + 1) // 2)
    return new_a, new_b


def as_lists(tokens):
    """Eager helper: a (ragged) string tensor of tokens as Python lists of str."""
    values = tokens.to_list() if isinstance(tokens, tf.RaggedTensor) else tokens.numpy().tolist()

    def convert(x):
        return [convert(v) for v in x] if isinstance(x, list) else x.decode("utf-8")

    return convert(values)


class WordPieceTokenizer(tf.Module):
    """BERT's `FullTokenizer` (basic tokenization + WordPiece) in TF ops.

    Args:
      vocab_file: an original BERT `vocab.txt` (local or any `tf.io.gfile` path).
      do_lower_case: lower-case and strip accents, as bert's uncased models.
      max_input_chars_per_word: longer words become `unk_token` (bert's 200).
      unk_token, cls_token, sep_token: bert's special tokens.

    `tokenize`, `encode` and `bert_inputs` take a scalar string or a vector of
    strings (Python or tensors, eager or graph): a vector gives a batch
    (`tf.RaggedTensor` rows, or dense `[batch, max_seq_length]`), a scalar one
    row, as tf.data's `map` on unbatched elements wants.
    """

    def __init__(self, vocab_file, do_lower_case=True, max_input_chars_per_word=200,
                 unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]", name=None):
        super().__init__(name=name)
        self.vocab_file = vocab_file
        self.do_lower_case = do_lower_case
        self.max_input_chars_per_word = max_input_chars_per_word
        self.vocab = load_vocab(vocab_file)
        self.inv_vocab = {i: t for t, i in self.vocab.items()}
        for token in (unk_token, cls_token, sep_token):
            if token not in self.vocab:
                raise ValueError(f"{vocab_file}: special token {token!r} is not in the vocabulary")
        self.unk_token = unk_token
        self._cls_id = self.vocab[cls_token]
        self._sep_id = self.vocab[sep_token]
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(list(self.vocab), tf.string),
                tf.constant(list(self.vocab.values()), tf.int64)),
            default_value=-1)
        # Words over the character limit are replaced by `unk_token` before
        # WordPiece, so its byte limit only needs to never bite first.
        self._wordpiece = text.WordpieceTokenizer(
            self._table, suffix_indicator="##",
            max_bytes_per_word=4 * max_input_chars_per_word + 4,
            token_out_type=tf.string, unknown_token=unk_token)

    @property
    def vocab_size(self):
        """Number of distinct tokens (bert's `len(vocab)`)."""
        return len(self.vocab)

    def _normalize(self, texts):
        """bert's `_clean_text`, and with `do_lower_case` its lower + strip accents."""
        # bert decodes bytes with errors="ignore"; invalid bytes become U+FFFD
        # here, which the next line deletes as bert deletes U+FFFD.
        texts = text.coerce_to_structurally_valid_utf8(texts)
        texts = tf.strings.regex_replace(texts, _DELETED, "")
        texts = tf.strings.regex_replace(texts, _WHITESPACE, " ")
        if self.do_lower_case:
            # ICU full lower-casing, as Python's str.lower() (final sigma too).
            texts = tf.strings.lower(texts, encoding="utf-8")
            texts = text.normalize_utf8(texts, "NFD")
            texts = tf.strings.regex_replace(texts, r"\p{Mn}", "")
        return texts

    def _tokenize_batch(self, texts):
        words = text.regex_split(self._normalize(texts), _SPLIT, _KEEP)
        flat = words.flat_values
        too_long = tf.strings.length(flat, unit="UTF8_CHAR") > self.max_input_chars_per_word
        words = words.with_flat_values(tf.where(too_long, self.unk_token, flat))
        return self._wordpiece.tokenize(words).merge_dims(1, 2)

    def _per_row(self, fn, texts):
        """Runs a batch function on a vector, or on a scalar as a batch of one."""
        texts = tf.convert_to_tensor(texts, tf.string)
        if texts.shape.rank == 0:
            return tf.nest.map_structure(lambda t: t[0], fn(texts[tf.newaxis]))
        if texts.shape.rank != 1:
            raise ValueError(
                f"texts must be a scalar or a vector of strings, got shape {texts.shape}")
        return fn(texts)

    def tokenize(self, texts):
        """WordPiece tokens: `tf.RaggedTensor` `[batch, (tokens)]` of strings.

        A scalar text gives a 1-D string tensor. `as_lists(...)` turns the
        result into Python lists of str (bert's `FullTokenizer.tokenize`).
        """
        return self._per_row(self._tokenize_batch, texts)

    def encode(self, texts, max_seq_length=None):
        """Token ids, int64: ragged `[batch, (tokens)]`, or with `max_seq_length`
        dense `[batch, max_seq_length]`, truncated and padded with 0. No
        `[CLS]`/`[SEP]` (see `bert_inputs`)."""
        def ids(batch):
            ragged = self._table.lookup(self._tokenize_batch(batch))
            if max_seq_length is None:
                return ragged
            return ragged[:, :max_seq_length].to_tensor(0, shape=[None, max_seq_length])

        return self._per_row(ids, texts)

    def bert_inputs(self, texts_a, texts_b=None, max_seq_length=128):
        """BERT model inputs as run_classifier.py's `convert_single_example` makes.

        `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, the pair truncated by
        `_truncate_seq_pair` (longer first), zero-padded to `max_seq_length`.
        As in bert, a `b` without tokens (empty, or truncated away) makes a
        single sentence.

        Returns:
          `{"input_ids", "input_mask", "segment_ids"}`, int32 (what bert's
          `input_fn_builder` feeds the model), `[batch, max_seq_length]`, or
          `[max_seq_length]` for scalar texts.
        """
        if max_seq_length < 3:
            raise ValueError(f"max_seq_length must be at least 3, got {max_seq_length}")

        def build(batch):
            a = self._table.lookup(self._tokenize_batch(batch[0]))
            if len(batch) > 1:
                b = self._table.lookup(self._tokenize_batch(batch[1]))
            else:
                b = tf.RaggedTensor.from_row_lengths(
                    tf.zeros([0], tf.int64), tf.zeros_like(a.row_lengths()))
            len_a, len_b = a.row_lengths(), b.row_lengths()
            # Room for [CLS], [SEP] and, if b has tokens, a second [SEP].
            budget = max_seq_length - 2 - tf.cast(len_b > 0, tf.int64)
            keep_a, keep_b = truncated_pair_lengths(len_a, len_b, budget)
            a = _first_n(a, keep_a)
            b = _first_n(b, keep_b)
            ones = tf.ones_like(len_a)
            cls = tf.RaggedTensor.from_row_lengths(self._cls_id * ones, ones)
            sep = tf.RaggedTensor.from_row_lengths(self._sep_id * ones, ones)
            # bert checks `if tokens_b:` after truncation.
            has_b = tf.cast(keep_b > 0, tf.int64)
            sep_b = tf.RaggedTensor.from_row_lengths(
                tf.boolean_mask(self._sep_id * ones, has_b > 0), has_b)
            ids = tf.concat([cls, a, sep, b, sep_b], axis=1)
            segments = tf.concat([tf.zeros_like(cls), tf.zeros_like(a), tf.zeros_like(sep),
                                  tf.ones_like(b), tf.ones_like(sep_b)], axis=1)
            shape = [None, max_seq_length]
            return {
                "input_ids": tf.cast(ids.to_tensor(0, shape=shape), tf.int32),
                "input_mask": tf.cast(tf.ones_like(ids).to_tensor(0, shape=shape), tf.int32),
                "segment_ids": tf.cast(segments.to_tensor(0, shape=shape), tf.int32),
            }

        texts = [tf.convert_to_tensor(texts_a, tf.string)]
        if texts_b is not None:
            texts.append(tf.convert_to_tensor(texts_b, tf.string))
        rank = texts[0].shape.rank
        if rank not in (0, 1) or any(t.shape.rank != rank for t in texts):
            raise ValueError("texts_a and texts_b must both be scalars or both vectors of strings")
        if rank == 0:
            return {k: v[0] for k, v in build([t[tf.newaxis] for t in texts]).items()}
        return build(texts)

    def convert_tokens_to_ids(self, tokens):
        """bert's `convert_tokens_to_ids` on a Python list of tokens."""
        return [self.vocab[t] for t in tokens]

    def convert_ids_to_tokens(self, ids):
        """bert's `convert_ids_to_tokens` on a Python list of ids."""
        return [self.inv_vocab[int(i)] for i in ids]


def _first_n(ragged, lengths):
    """The first `lengths[i]` items of each row of a 2-D ragged tensor."""
    positions = tf.ragged.range(ragged.row_lengths())
    return tf.ragged.boolean_mask(ragged, positions < tf.expand_dims(lengths, 1))
