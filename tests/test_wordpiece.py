"""zoo.text.wordpiece against google-research/bert's own tokenization (bert-tensorflow 1.0.4).

bert's `tokenization.py` and `run_classifier.py` run here unmodified (the
latter after `tf1track_core.install()`, for its `tensorflow.contrib` import);
our tokenizer must give the same tokens, ids and classifier inputs.
"""

import random

import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import tf1track_core

tf1track_core.install()
from bert import run_classifier  # noqa: E402  (after install(): bert imports tensorflow.contrib)
from bert import tokenization  # noqa: E402

from zoo.text.wordpiece import WordPieceTokenizer, as_lists, truncated_pair_lengths  # noqa: E402

# run_classifier defines its command-line flags (output_dir, vocab_file, ...)
# on import; the functions used here read none of them, and dropping them
# leaves those names free for the suite's own binaries run in-process.
for _flag in list(flags.FLAGS.flags_by_module_dict().get("bert.run_classifier", [])):
    delattr(flags.FLAGS, _flag.name)
# bert's tokenizer reads FLAGS.preserve_unused_tokens; outside an absl app
# nothing parses the flags.
if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()

SENTENCES = [
    "The café is naïve.", "CAFÉ NAÏVE Ångström", "ångström Å résumé Éclair",
    "don't", "U.S.A.", "(a)-b", "Hello, World! ¿Qué? «quote» — dash…",
    "中文字符", "我爱中文 and English", "中 文 字 符",
    "unaffable unaffableness zebra", "The quick brown fox; jumps over the lazy dog",
    "x" * 99, "x" * 100, "x" * 101, "x" * 150, "x" * 200, "x" * 201, "é" * 120,
    "tab\tnew\nline\rcarriage  double   spaces", "ctrl\x00nul\x07bell\x1fus\x7fdel\x85nel",
    "zero\u200bwidth\ufeffbom\ufffdreplacement", "no\u00a0break\u3000ideographic\u2028line",
    "", " ", "\t\n", "\x00", "[UNK] [CLS] [SEP]", "ΟΔΟΣ ΣΟΦΟΣ σοφός", "İstanbul ß ẞ ﬁ",
    "a²b ½ ª", "Ⅻ ①", "emoji 😀 fine", "日本語のテキスト", "한국어 텍스트",
]

# A generated vocabulary: specials, a repeated line and a padded one (bert's
# numbering and stripping), whole words, "##" suffixes, some single characters
# (so "zebra" and most capitals fall back to [UNK]).
WORDS = ("the quick brown fox jumps over lazy dog cafe café naive naïve angstrom ångström "
         "Ångström resume éclair eclair hello world don t u s a b un ##aff ##able ##ness "
         "and english ##x ##xx ##xxxxxxxxxx x é ##é e ##e ##s The Hello World CAFÉ line "
         "tab new carriage double spaces ctrl nul bell us del nel zero width bom "
         "replacement no break ideographic emoji fine οδος σοφος σοφοσ σοφός ς σ istanbul "
         "ß ss fi ##b ##c 2 1 ##2 ##⁄ ##4 ½ ª ##ª ##²").split()
VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "  padded  "] + WORDS
         + list("中文字符我爱日本語のテキスト한국어텍스트") + ["##" + c for c in "nghjklmopqrtvwy"]
         + list("abcdefghijklmnopqrstuvwy.,!?;:'()-¿«»—…[]") + ["##" + c for c in "abcdefhij"])


@pytest.fixture(scope="module")
def vocab_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bert_vocab") / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module", params=[True, False], ids=["uncased", "cased"])
def tokenizers(request, vocab_file):
    lower = request.param
    return (tokenization.FullTokenizer(vocab_file, do_lower_case=lower),
            WordPieceTokenizer(vocab_file, do_lower_case=lower))


def test_vocab_numbering_is_berts(tokenizers):
    theirs, ours = tokenizers
    assert ours.vocab == theirs.vocab
    assert "padded" in ours.vocab and ours.vocab_size == len(theirs.vocab)


def test_tokens_equal_berts_full_tokenizer(tokenizers):
    theirs, ours = tokenizers
    got = as_lists(ours.tokenize(SENTENCES))
    for sentence, tokens in zip(SENTENCES, got):
        assert tokens == theirs.tokenize(sentence), repr(sentence)
    # The cases are not vacuous: unknown words, over-long words, and pieces.
    flat = [t for row in got for t in row]
    assert "[UNK]" in flat and "##aff" in flat and "中" in flat


def test_word_length_limit_is_200_characters(tokenizers):
    _, ours = tokenizers
    rows = as_lists(ours.tokenize(["x" * 200, "x" * 201, "é" * 120]))
    assert rows[0][0] == "x" and rows[1] == ["[UNK]"] and len(rows[2]) == 120


def test_random_strings_of_tricky_characters(tokenizers):
    theirs, ours = tokenizers
    pool = list("aAbBxXeé ñÑ.,'\"-_()[]#$%^`~\t\n中文字ΣσςÅåİß²½ª") + [
        "\x00", "\x07", "\x85", "\u200b", "\ufeff", "\ufffd", "\u00a0", "\u3000", "\u2028",
        "\u0301", "\u0308", "😀", "ﬁ", "[UNK]", "the", "café", "un", "aff", "able"]
    rng = random.Random(0)
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    for text, tokens in zip(texts, as_lists(ours.tokenize(texts))):
        assert tokens == theirs.tokenize(text), repr(text)


def test_invalid_utf8_bytes_are_dropped_as_bert_does(tokenizers):
    theirs, ours = tokenizers
    raw = [b"caf\xc3\xa9 na\xefve", b"\xff\xfethe", b"fox\xe4\xb8"]
    assert as_lists(ours.tokenize(raw)) == [theirs.tokenize(r) for r in raw]


def test_encode_ids(tokenizers):
    theirs, ours = tokenizers
    ragged = ours.encode(SENTENCES).to_list()
    assert ragged == [theirs.convert_tokens_to_ids(theirs.tokenize(s)) for s in SENTENCES]
    dense = ours.encode(SENTENCES, max_seq_length=5).numpy()
    for row, ids in zip(dense, ragged):
        assert row.tolist() == (ids + [0] * 5)[:5]
    assert ours.convert_ids_to_tokens(ragged[0]) == theirs.tokenize(SENTENCES[0])


def test_truncation_equals_bert_truncate_seq_pair():
    cases = [(la, lb, m) for la in range(9) for lb in range(9) for m in range(12)]
    got_a, got_b = truncated_pair_lengths(*np.array(cases, np.int64).T)
    for (la, lb, m), ga, gb in zip(cases, got_a.numpy(), got_b.numpy()):
        a, b = list(range(la)), list(range(lb))
        run_classifier._truncate_seq_pair(a, b, m)
        assert (ga, gb) == (len(a), len(b)), (la, lb, m)


PAIRS = [("The café is naïve.", "don't U.S.A. (a)-b"), ("unaffable " * 6, "the fox"),
         ("the fox", "unaffable " * 6), ("中文字符", ""), ("", "the"), ("", ""),
         ("x" * 201, "the quick brown fox jumps over the lazy dog"), ("the " * 3, "dog " * 3)]


@pytest.mark.parametrize("max_seq_length", [3, 4, 8, 16])
def test_bert_inputs_equal_run_classifier(tokenizers, max_seq_length):
    theirs, ours = tokenizers
    got = ours.bert_inputs([a for a, _ in PAIRS], [b for _, b in PAIRS], max_seq_length)
    singles = ours.bert_inputs([a for a, _ in PAIRS], max_seq_length=max_seq_length)
    for i, (a, b) in enumerate(PAIRS):
        for text_b, inputs in ((b, got), (None, singles)):
            example = run_classifier.InputExample(guid=str(i), text_a=a, text_b=text_b, label="0")
            # ex_index 5: past the examples bert logs.
            want = run_classifier.convert_single_example(5, example, ["0"], max_seq_length, theirs)
            for key in ("input_ids", "input_mask", "segment_ids"):
                assert inputs[key].dtype == tf.int32
                assert inputs[key][i].numpy().tolist() == getattr(want, key), (a, text_b, key)


def test_graph_mode_tf_data_and_tf_function(vocab_file):
    # Uncased only: it runs every op the cased path runs, and tracing is slow.
    ours = WordPieceTokenizer(vocab_file, do_lower_case=True)
    eager = ours.bert_inputs([a for a, _ in PAIRS], [b for _, b in PAIRS], 16)
    ds = tf.data.Dataset.from_tensor_slices(([a for a, _ in PAIRS], [b for _, b in PAIRS]))
    mapped = list(ds.map(lambda a, b: ours.bert_inputs(a, b, max_seq_length=16)))
    assert mapped[0]["input_ids"].shape == [16]
    batched = next(iter(ds.batch(len(PAIRS)).map(lambda a, b: ours.bert_inputs(a, b, 16))))
    for key in eager:
        np.testing.assert_array_equal(np.stack([m[key] for m in mapped]), eager[key])
        np.testing.assert_array_equal(batched[key], eager[key])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokens(texts):
        return ours.tokenize(texts)

    assert as_lists(tokens(tf.constant(SENTENCES))) == as_lists(ours.tokenize(SENTENCES))


def test_missing_special_token_is_a_clear_error(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[PAD]\n[CLS]\n[SEP]\nthe\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"vocab.txt: special token '\[UNK\]'"):
        WordPieceTokenizer(str(path))


def test_saved_model_export_keeps_the_vocabulary(vocab_file, tmp_path):
    ours = WordPieceTokenizer(vocab_file, do_lower_case=True)

    class Preprocess(tf.Module):
        def __init__(self, tokenizer):
            super().__init__()
            self.tokenizer = tokenizer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)] * 2)
        def __call__(self, a, b):
            return self.tokenizer.bert_inputs(a, b, max_seq_length=16)

    tf.saved_model.save(Preprocess(ours), str(tmp_path / "preprocess"))
    restored = tf.saved_model.load(str(tmp_path / "preprocess"))
    a, b = [a for a, _ in PAIRS], [b for _, b in PAIRS]
    got, want = restored(tf.constant(a), tf.constant(b)), ours.bert_inputs(a, b, 16)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])
