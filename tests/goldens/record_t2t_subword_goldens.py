"""Records goldens of tensor2tensor's own `SubwordTextEncoder` (not the port).

tensor2tensor is not installable on current TensorFlow, but its
`data_generators/text_encoder.py` and `tokenizer.py` (with the pure-Python
`utils/mlperf_log.py` and `mlperf_tags.py` they import) run unmodified on
TF 2.21's `tensorflow.compat.v1` (`gfile`, `logging`). This script extracts
those four files from a tensor2tensor git directory into a temporary package,
builds a vocabulary with upstream's `corpus_token_counts` and
`SubwordTextEncoder.build_to_target_size` (which runs
`build_from_token_counts`) on a small corpus, writes it with upstream's
`store_to_file`, and records upstream's `encode` ids and `decode` strings
(and what upstream reads back from the same vocabulary stored unquoted).

    /work/tf1ref/bin/python tests/goldens/record_t2t_subword_goldens.py \
        [--t2t_git_dir=/work/.mirror/tensorflow+tensor2tensor/repo] [--commit=HEAD]

Needs tensorflow (2.21), six and numpy. Writes tests/goldens/t2t_subwords/
(`vocab.tiny.subwords`, `goldens.json`).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

OUT_DIR = pathlib.Path(__file__).resolve().parent / "t2t_subwords"
VOCAB_NAME = "vocab.tiny.subwords"
UPSTREAM_FILES = ["tensor2tensor/data_generators/text_encoder.py",
                  "tensor2tensor/data_generators/tokenizer.py",
                  "tensor2tensor/utils/mlperf_log.py",
                  "tensor2tensor/utils/mlperf_tags.py"]
TARGET_SIZE = 300

# The corpus the vocabulary is built from: punctuation, digits, accents,
# several scripts, underscores and backslashes (which t2t escapes).
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "The lazy dog sleeps; the quick fox runs away!",
    "Dude - that's so cool.",
    "Hello, world! Hello again, world.",
    "It costs $3.50, or 3,50 EUR (about 4 dollars).",
    "In 2019, 42 of the 100 runners finished under 3:30:00.",
    "Naïve café owners serve crème brûlée à la carte.",
    "Ångström units: 1 Å = 0.1 nm; über-cool façade.",
    "Die Straße ist schön, und die Bäume sind grün.",
    "El niño comió piñas y jalapeños en España.",
    "Москва - столица России, а Киев - столица Украины.",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "東京は日本の首都です。",
    "中文字符也可以编码。",
    "snake_case_names and __dunder__ methods use underscores_",
    "A path like C:\\Users\\name\\file.txt has backslashes \\ here.",
    "Escapes look like \\u and \\\\ and \\123; in text.",
    "tabs\tand  double  spaces   and trailing space ",
    " leading space and punctuation... ?!",
    "email: someone@example.com, url: https://example.com/a_b?c=d&e=f",
    "Translate English to German: the house is small.",
    "Das Haus ist klein, aber das Haus ist schön.",
    "the the the of of and and to to in in a a is is",
    "machine translation with the transformer model",
    "attention is all you need, said the paper in 2017",
    "subword units handle rare words like antidisestablishmentarianism",
    "numbers 0 1 2 3 4 5 6 7 8 9 10 11 12 13",
    "quotes 'single' and \"double\" and `backtick`",
    "emoji are rare 😀 but possible",
    "a_b_c __init__ _private trailing_",
    "Mixed 123abc456 tokens and x1y2z3 ids",
    "The end.",
]

# Sentences to record: the corpus, and text with characters outside the
# alphabet (escaped as \<ord>;), newlines, empty strings and edge spacing.
EXTRA = [
    "", " ", "  ", "a", "_", "\\", "\\\\", "__", "Ω is outside the alphabet",
    "Zebra Quixotic jackdaws", "日本語と한국어", "new\nline", "\u2028 and \r",
    "😀😀 🎉", "x" * 60, "underscore_ and backslash\\ at ends_\\",
    "  two leading", "two trailing  ", "a  b", "a - b", "<pad> <EOS>",
    "\\123; is not an escape here", "Grüße aus Köln", "ß_ẞ", "1_000_000",
]


def extract_upstream(git_dir, commit, into):
    """Writes the upstream files as an importable `tensor2tensor` package."""
    for rel in UPSTREAM_FILES:
        source = subprocess.run(["git", "-C", git_dir, "show", f"{commit}:{rel}"],
                                check=True, capture_output=True).stdout
        path = pathlib.Path(into, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source)
    for package in ["tensor2tensor", "tensor2tensor/data_generators", "tensor2tensor/utils"]:
        pathlib.Path(into, package, "__init__.py").touch()
    return subprocess.run(["git", "-C", git_dir, "rev-parse", commit], check=True,
                          capture_output=True, text=True).stdout.strip()


def encode_or_none(encoder, text):
    """Upstream's ids, or None where upstream raises (a subtoken it lacks)."""
    try:
        return encoder.encode(text)
    except ValueError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--t2t_git_dir", default="/work/.mirror/tensorflow+tensor2tensor/repo")
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        revision = extract_upstream(args.t2t_git_dir, args.commit, tmp)
        sys.path.insert(0, tmp)
        from tensor2tensor.data_generators import text_encoder, tokenizer

        corpus_file = pathlib.Path(tmp, "corpus.txt")
        corpus_file.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
        token_counts = tokenizer.corpus_token_counts(str(corpus_file), corpus_max_lines=None)
        encoder = text_encoder.SubwordTextEncoder.build_to_target_size(
            TARGET_SIZE, token_counts, 1, 1e3)
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        vocab_path = OUT_DIR / VOCAB_NAME
        encoder.store_to_file(str(vocab_path))
        # Record from the stored file, as a user of the vocabulary would load it.
        loaded = text_encoder.SubwordTextEncoder(str(vocab_path))
        assert loaded.vocab_size == encoder.vocab_size

        def ids_of(*subtokens):
            return [loaded._subtoken_string_to_id[s] for s in subtokens]  # noqa: SLF001

        encode_cases = []
        for text in CORPUS + EXTRA:
            ids = loaded.encode(text)
            encode_cases.append({"text": text, "tokens": tokenizer.encode(text), "ids": ids,
                                 "subtokens": loaded.decode_list(ids),
                                 "decoded": loaded.decode(ids)})
        # The same vocabulary stored without quotes, as upstream reads it back.
        bare_path = pathlib.Path(tmp, "vocab.bare.subwords")
        encoder.store_to_file(str(bare_path), add_single_quotes=False)
        bare = text_encoder.SubwordTextEncoder(str(bare_path))
        size = loaded.vocab_size
        # Reserved and out-of-range ids, an escape beyond Unicode (-> U+3013),
        # and the two short escapes.
        id_lists = [[], [0], [1], [0, 1], [size, size + 7, -1],
                    ids_of("\\", *"99999999", ";", "_"), ids_of("\\", "u", "_"),
                    ids_of("\\", "\\", "_")]
        id_lists += [c["ids"] + [1, 0, 0] for c in encode_cases[:3]]
        decode_cases = [{"ids": ids, "strip_extraneous": strip,
                         "decoded": loaded.decode(ids, strip_extraneous=strip)}
                        for ids in id_lists for strip in (False, True)]
        meta = {
            "source": "tensor2tensor's own text_encoder.py and tokenizer.py (unmodified), run by "
                      "tests/goldens/record_t2t_subword_goldens.py",
            "tensor2tensor_commit": revision,
            "tensorflow": __import__("tensorflow").__version__,
            "python": sys.version.split()[0],
            "vocab_file": VOCAB_NAME, "vocab_size": size, "target_size": TARGET_SIZE,
            "encode": encode_cases, "decode": decode_cases,
            "unquoted_subtokens": list(bare.all_subtoken_strings),
            "unquoted_encode": [encode_or_none(bare, c["text"]) for c in encode_cases],
        }
    (OUT_DIR / "goldens.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n")
    print(f"wrote {OUT_DIR}: vocab_size {size}, {len(encode_cases)} encode and "
          f"{len(decode_cases)} decode cases from tensor2tensor {revision[:12]}")


if __name__ == "__main__":
    main()
