r"""tensor2tensor's `SubwordTextEncoder`: its vocabulary files, encode and decode.

A t2t subword vocabulary (`vocab.<problem>.<size>.subwords`) lists one
subtoken per line, in single quotes as `store_to_file` writes them; line `i`
is id `i`, and the first lines are the reserved `<pad>` (0) and `<EOS>` (1).
Text becomes ids in four steps, all reproduced here in pure Python:

1. `tokenize`: runs of alphanumeric (Unicode L*/N*) and of other characters;
   a single space between two alphanumeric runs is dropped (it is implied).
2. `escape_token`: `\` -> `\\`, `_` -> `\u`, characters outside the
   vocabulary's alphabet (and newline) -> `\<ord>;`, then a final `_`.
3. Greedy longest-prefix matching against the subtokens, no longer than the
   longest one in the vocabulary.
4. Concatenation; decoding joins the subtokens, splits at `_`, unescapes and
   `detokenize`s (a space between adjacent alphanumeric tokens).

`tf_encode` / `tf_decode` wrap this in `tf.py_function` for tf.data; for
graph-only pipelines (SavedModel, TPU) encode ahead of time with `encode`.
"""

import itertools
import re
import unicodedata

PAD = "<pad>"
EOS = "<EOS>"
RESERVED_TOKENS = (PAD, EOS)
PAD_ID = 0
EOS_ID = 1

# Characters escapes are written with: always in the alphabet, so that every
# escaped token is a concatenation of vocabulary subtokens.
_ESCAPE_CHARS = frozenset("\\_u;0123456789")
_ESCAPE_SEQUENCE = re.compile(r"\\u|\\\\|\\([0-9]+);")
_UNDEFINED_CHAR = "\u3013"  # what t2t decodes an impossible `\<ord>;` to
_QUOTES = ("'", '"')


class VocabFormatError(ValueError):
    """A subword vocabulary line that tensor2tensor could not have written."""


def _is_alnum(char):
    """t2t's alphanumeric set: Unicode letters and numbers."""
    return unicodedata.category(char)[0] in "LN"


def tokenize(text):
    """t2t's invertible tokenizer (`tokenizer.encode`): a list of str tokens."""
    runs = ["".join(run) for _, run in itertools.groupby(text, key=_is_alnum)]
    # Runs alternate between alphanumeric and not, so an inner " " run sits
    # between two words; `detokenize` puts it back.
    last = len(runs) - 1
    return [run for i, run in enumerate(runs) if run != " " or i in (0, last)]


def detokenize(tokens):
    """Inverse of `tokenize` (t2t's `tokenizer.decode`)."""
    pieces = []
    for previous, token in zip([None] + list(tokens), tokens):
        if previous is not None and _is_alnum(previous[0]) and _is_alnum(token[0]):
            pieces.append(" ")
        pieces.append(token)
    return "".join(pieces)


def escape_token(token, alphabet):
    """A token as t2t escapes it before subword matching (ends with `_`)."""
    token = token.replace("\\", "\\\\").replace("_", "\\u")
    escaped = (c if c in alphabet and c != "\n" else f"\\{ord(c)};" for c in token)
    return "".join(escaped) + "_"


def _unescape_one(match):
    if match.group(1) is None:
        return "_" if match.group(0) == "\\u" else "\\"
    try:
        return chr(int(match.group(1)))
    except (ValueError, OverflowError):  # beyond Unicode, as t2t does
        return _UNDEFINED_CHAR


def unescape_token(escaped):
    """Inverse of `escape_token`."""
    if escaped.endswith("_"):
        escaped = escaped[:-1]
    return _ESCAPE_SEQUENCE.sub(_unescape_one, escaped)


def _read_bytes(path):
    path = str(path)
    if "://" in path:  # gs:// and friends, where t2t's data usually lives
        import tensorflow as tf

        with tf.io.gfile.GFile(path, "rb") as f:
            return f.read()
    with open(path, "rb") as f:
        return f.read()


def _is_quoted(line):
    return len(line) >= 2 and line[0] in _QUOTES and line[-1] == line[0]


def read_vocab_file(path):
    """The subtoken strings of a t2t vocabulary file, in id order.

    Read as t2t's `_load_from_file_object`: lines split at "\n" only (a
    subtoken may contain "\r" or U+2028), right-stripped, one layer of quotes
    removed. A file whose first line is quoted (`store_to_file`'s default)
    must quote every line.

    Raises:
      VocabFormatError: naming the file and line of a malformed line.
    """
    lines = _read_bytes(path).split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise VocabFormatError(f"{path}: empty subword vocabulary")
    subtokens = []
    quoted_file = None
    for number, raw in enumerate(lines, start=1):
        def fail(reason):
            raise VocabFormatError(f"{path}:{number}: {reason}: {raw!r}")

        try:
            line = raw.decode("utf-8").rstrip()
        except UnicodeDecodeError:
            fail("not UTF-8")
        if quoted_file is None:
            quoted_file = _is_quoted(line)
        if _is_quoted(line):
            line = line[1:-1]
        elif quoted_file:
            fail("expected a subtoken in quotes, as t2t's store_to_file writes it")
        elif line[:1] in _QUOTES and line[-1:] == line[:1]:
            line = ""  # a lone quote character: t2t strips it to nothing
        if "_" in line[:-1]:
            fail("'_' inside a subtoken (t2t escapes underscores as \\u; '_' only ends a token)")
        subtokens.append(line)
    return subtokens


class SubwordTextEncoder:
    """tensor2tensor's `SubwordTextEncoder`, read from its vocabulary file.

    Args:
      vocab_file: a t2t `.subwords` vocabulary (local path or `tf.io.gfile` URL).
      subtokens: instead of a file, the subtoken strings in id order.
    """

    def __init__(self, vocab_file=None, subtokens=None):
        if (vocab_file is None) == (subtokens is None):
            raise ValueError("give exactly one of vocab_file and subtokens")
        self.vocab_file = vocab_file
        self.subtokens = tuple(read_vocab_file(vocab_file) if vocab_file else subtokens)
        # As in t2t: a repeated string maps to its last id; "" never matches.
        self._ids = {s: i for i, s in enumerate(self.subtokens) if s}
        self._max_subtoken_len = max(len(s) for s in self.subtokens)
        self.alphabet = frozenset(itertools.chain.from_iterable(self.subtokens)) | _ESCAPE_CHARS
        self._cache = {}

    @property
    def vocab_size(self):
        """Number of ids, reserved ones included."""
        return len(self.subtokens)

    def encode(self, text, add_eos=False):
        """Ids of a text (str, or UTF-8 bytes); `add_eos` appends EOS (1) as
        t2t's text problems do for inputs and targets."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="ignore")
        ids = [i for token in tokenize(text) for i in self._token_ids(token)]
        return ids + [EOS_ID] if add_eos else ids

    def encode_without_tokenizing(self, token):
        """Ids of `token` taken as one token (t2t's method of that name)."""
        return list(self._token_ids(token))

    def _token_ids(self, token):
        ids = self._cache.get(token)
        if ids is None:
            if len(self._cache) > 1 << 20:
                self._cache.clear()
            ids = self._cache[token] = tuple(self._match(escape_token(token, self.alphabet)))
        return ids

    def _match(self, escaped):
        """Greedy longest-prefix subtokens of an escaped token."""
        start = 0
        while start < len(escaped):
            for end in range(min(len(escaped), start + self._max_subtoken_len), start, -1):
                found = self._ids.get(escaped[start:end])
                if found is not None:
                    yield found
                    start = end
                    break
            else:
                # Only a vocabulary lacking one of its own alphabet's
                # characters as a subtoken gets here.
                raise ValueError(f"{self.vocab_file or 'subtokens'}: no subtoken matches "
                                 f"{escaped[start:]!r} of escaped token {escaped!r}")

    def decode(self, ids, strip_extraneous=False):
        """The text of `ids`; `strip_extraneous` drops trailing EOS/pad first.

        As in t2t, reserved ids decode to their names ("<EOS>") and ids
        outside the vocabulary to nothing.
        """
        ids = [int(i) for i in ids]
        while strip_extraneous and ids and ids[-1] in (PAD_ID, EOS_ID):
            ids.pop()
        joined = "".join(self.decode_list(ids))
        tokens = (unescape_token(part + "_") for part in joined.split("_") if part)
        return detokenize([t for t in tokens if t])

    def decode_list(self, ids):
        """The subtoken string of each id ("" outside the vocabulary)."""
        return [self.subtokens[i] if 0 <= i < len(self.subtokens) else "" for i in map(int, ids)]

    def tf_encode(self, texts, add_eos=False):
        """`encode` for tf.data (`tf.py_function`): a scalar string gives int64
        ids `[length]`, a vector a `tf.RaggedTensor` `[batch, (length)]`."""
        import numpy as np
        import tensorflow as tf

        texts = tf.convert_to_tensor(texts, tf.string)
        if texts.shape.rank == 0:
            ids = tf.py_function(lambda t: np.asarray(self.encode(t.numpy(), add_eos), np.int64),
                                 [texts], tf.int64)
            ids.set_shape([None])
            return ids

        def encode_batch(batch):
            rows = [self.encode(t, add_eos) for t in batch.numpy()]
            values = np.fromiter(itertools.chain.from_iterable(rows), np.int64)
            return values, np.asarray([len(r) for r in rows], np.int64)

        values, lengths = tf.py_function(encode_batch, [texts], [tf.int64, tf.int64])
        values.set_shape([None])
        lengths.set_shape(texts.shape)
        return tf.RaggedTensor.from_row_lengths(values, lengths)

    def tf_decode(self, ids, strip_extraneous=False):
        """`decode` for tf.data: 1-D ids give a scalar string, a 2-D (dense or
        ragged) batch a vector of strings."""
        import numpy as np
        import tensorflow as tf

        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.convert_to_tensor(ids)
            if ids.shape.rank == 1:
                return tf.py_function(
                    lambda i: self.decode(i.numpy(), strip_extraneous), [ids], tf.string)
            ids = tf.RaggedTensor.from_tensor(ids)

        def decode_batch(values, lengths):
            values, bounds = values.numpy(), [0, *itertools.accumulate(lengths.numpy())]
            texts = [self.decode(values[a:b], strip_extraneous) for a, b in zip(bounds, bounds[1:])]
            return np.asarray([t.encode("utf-8") for t in texts], dtype=object)

        texts = tf.py_function(decode_batch, [ids.flat_values, ids.row_lengths()], tf.string)
        texts.set_shape([None])
        return texts
