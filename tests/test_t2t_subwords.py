"""zoo.text.t2t_subwords against tensor2tensor's own SubwordTextEncoder.

The goldens (tests/goldens/t2t_subwords/) were recorded from upstream's
unmodified text_encoder.py and tokenizer.py by
tests/goldens/record_t2t_subword_goldens.py; the vocabulary there is the file
upstream's `store_to_file` wrote. This test only reads them.
"""

import json
import pathlib
import random

import pytest
import tensorflow as tf

from zoo.text import t2t_subwords
from zoo.text.t2t_subwords import EOS_ID, SubwordTextEncoder, VocabFormatError

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent / "goldens" / "t2t_subwords"
GOLDENS = json.loads((GOLDEN_DIR / "goldens.json").read_text())
VOCAB = GOLDEN_DIR / GOLDENS["vocab_file"]
ENCODE = GOLDENS["encode"]


@pytest.fixture(scope="module")
def encoder():
    return SubwordTextEncoder(str(VOCAB))


def test_vocab_reads_as_t2t_wrote_it(encoder):
    assert encoder.vocab_size == GOLDENS["vocab_size"]
    assert encoder.subtokens[:2] == ("<pad>_", "<EOS>_")  # PAD_ID 0, EOS_ID 1
    assert {"\\\\_", "\\u_", "_"} <= set(encoder.subtokens)  # escaped "\\", "_"


@pytest.mark.parametrize("case", ENCODE, ids=[repr(c["text"])[:30] for c in ENCODE])
def test_encode_and_decode_equal_upstream(encoder, case):
    assert t2t_subwords.tokenize(case["text"]) == case["tokens"]
    ids = encoder.encode(case["text"])
    assert ids == case["ids"]
    assert encoder.decode_list(ids) == case["subtokens"]
    assert encoder.decode(ids) == case["decoded"]
    assert encoder.encode(case["text"], add_eos=True) == case["ids"] + [EOS_ID]
    assert encoder.encode(case["text"].encode("utf-8")) == case["ids"]


def test_cases_cover_escapes_outside_the_alphabet(encoder):
    outside = [c for c in ENCODE if any(ch not in encoder.alphabet for ch in c["text"])]
    assert len(outside) >= 5 and all(c["decoded"] == c["text"] for c in outside)


def test_decode_of_arbitrary_ids_equals_upstream(encoder):
    for case in GOLDENS["decode"]:
        got = encoder.decode(case["ids"], strip_extraneous=case["strip_extraneous"])
        assert got == case["decoded"], case


def test_round_trip_of_random_text(encoder):
    pool = list("abcxyzQZ019 _\\;u\n\t.,-'") + ["  ", "ü", "Ω", "日", "😀", "\u0301", "\r", "\u2028"]
    rng = random.Random(0)
    for _ in range(500):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 25)))
        assert encoder.decode(encoder.encode(text)) == text, repr(text)
        assert t2t_subwords.detokenize(t2t_subwords.tokenize(text)) == text


def test_unquoted_vocab_reads_as_upstream_reads_it(encoder, tmp_path):
    # store_to_file(add_single_quotes=False) writes bare subtokens; t2t's
    # reader right-strips lines and strips quotes, so " " or "'" become "".
    bare = tmp_path / "vocab.bare.subwords"
    bare.write_text("".join(s + "\n" for s in encoder.subtokens), encoding="utf-8")
    other = SubwordTextEncoder(str(bare))
    assert list(other.subtokens) == GOLDENS["unquoted_subtokens"]
    assert "" in other.subtokens
    # Where upstream found no subtoken (the lost " "), it raised; so must we.
    assert None in GOLDENS["unquoted_encode"]
    for case, want in zip(ENCODE, GOLDENS["unquoted_encode"]):
        if want is None:
            with pytest.raises(ValueError, match="no subtoken matches"):
                other.encode(case["text"])
        else:
            assert other.encode(case["text"]) == want


@pytest.mark.parametrize("bad_line, reason", [
    ("'unclosed_", "expected a subtoken in quotes"),
    ("bare_", "expected a subtoken in quotes"),
    ("'in_side'", "'_' inside a subtoken"),
])
def test_malformed_line_is_a_one_line_error_naming_file_and_line(tmp_path, bad_line, reason):
    lines = VOCAB.read_text(encoding="utf-8").split("\n")
    lines[4] = bad_line
    path = tmp_path / "vocab.bad.subwords"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(VocabFormatError) as error:
        SubwordTextEncoder(str(path))
    message = str(error.value)
    assert message.startswith(f"{path}:5: ") and reason in message and "\n" not in message


def test_tf_data_pipeline(encoder):
    texts = [c["text"] for c in ENCODE[:6]]
    ds = tf.data.Dataset.from_tensor_slices(texts).map(lambda t: encoder.tf_encode(t, add_eos=True))
    assert [x.numpy().tolist() for x in ds] == [c["ids"] + [EOS_ID] for c in ENCODE[:6]]
    ragged = encoder.tf_encode(tf.constant(texts))
    assert ragged.to_list() == [c["ids"] for c in ENCODE[:6]]
    decoded = encoder.tf_decode(ragged.to_tensor(0), strip_extraneous=True)
    assert [d.decode("utf-8") for d in decoded.numpy()] == texts
    assert encoder.tf_decode(ragged[0]).numpy().decode("utf-8") == texts[0]
