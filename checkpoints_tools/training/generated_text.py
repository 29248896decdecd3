"""Small text datasets tf1track writes itself (deterministically), for the text smoke runs.

Like the demo's `generated_shapes`, each is written once into `root_dir`
(drawn aside, then renamed into place) together with its vocabulary, and
read back through the real sources (`text_folder`, `t2t_translate_folder`),
so a smoke run exercises exactly what a user's data goes through.
"""

import gin
import numpy as np

from checkpoints_tools.training import data

# Two classes of sentences a tiny BERT tells apart: words from one half of
# the vocabulary or the other.
_CLASS_WORDS = (
    "red green blue pink gray gold teal navy jade rose plum sand cyan lime ruby sky ice".split(),
    "cat dog cow pig hen owl fox bat ant bee elk yak emu eel ram kid cub".split(),
)
_BERT_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# A toy translation: every source word has its own target word, same order.
_DICTIONARY = dict(zip("one two three four five six seven eight nine ten".split(),
                       "ein zwei drei vier funf sechs sieben acht neun zehn".split()))


@gin.configurable
def generated_sentences(root_dir=gin.REQUIRED, split="train", examples_per_class=48, seed=0):
    """A two-class `text_folder` and its WordPiece `vocab.txt` (40 entries) in `root_dir`."""

    def write(directory):
        rng = np.random.default_rng(seed)
        vocab = _BERT_SPECIAL + [w for words in _CLASS_WORDS for w in words]
        (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
        for name, count in (("train", examples_per_class), ("test", examples_per_class // 4)):
            (directory / name).mkdir()
            for label, words in zip(("animals", "colours"), reversed(_CLASS_WORDS)):
                lines = [" ".join(rng.choice(words, rng.integers(3, 7))) for _ in range(count)]
                (directory / name / f"{label}.txt").write_text("\n".join(lines) + "\n")

    root = data.write_once(root_dir, write)
    return data.text_folder(root_dir=str(root), split=split)


@gin.configurable
def generated_parallel_text(root_dir=gin.REQUIRED, split="train", examples=160, seed=0):
    """Toy `en`-`de` parallel text and a t2t subword vocabulary `vocab.subwords` in `root_dir`."""

    def write(directory):
        words = sorted(_DICTIONARY)
        letters = sorted(set("".join(words) + "".join(_DICTIONARY.values())))
        subtokens = ["<pad>", "<EOS>"] + [f"{w}_" for w in words] + \
            [f"{w}_" for w in sorted(_DICTIONARY.values())] + letters + ["_"]
        (directory / "vocab.subwords").write_text("".join(f"'{t}'\n" for t in subtokens))
        _write_parallel_text(directory, examples, seed)

    root = data.write_once(root_dir, write)
    return data.t2t_translate_folder(root_dir=str(root), split=split,
                                     language_pair=("en", "de"),
                                     vocab_file=str(root / "vocab.subwords"))


@gin.configurable
def generated_nmt_parallel_text(root_dir=gin.REQUIRED, split="train", examples=160, seed=0):
    """The toy `en`-`de` parallel text with tensorflow/nmt vocab files `vocab.en`, `vocab.de`."""

    def write(directory):
        for lang, words in (("en", sorted(_DICTIONARY)), ("de", sorted(_DICTIONARY.values()))):
            (directory / f"vocab.{lang}").write_text(
                "".join(f"{w}\n" for w in ["<unk>", "<s>", "</s>"] + words))
        _write_parallel_text(directory, examples, seed)

    root = data.write_once(root_dir, write)
    return data.nmt_translate_folder(root_dir=str(root), split=split, language_pair=("en", "de"),
                                     src_vocab_file=str(root / "vocab.en"),
                                     tgt_vocab_file=str(root / "vocab.de"))


def _write_parallel_text(directory, examples, seed):
    """`en.<split>.txt` / `de.<split>.txt`: 2-5 random words translated word for word."""
    rng = np.random.default_rng(seed)
    words = sorted(_DICTIONARY)
    for name, count in (("train", examples), ("test", examples // 4)):
        sentences = [list(rng.choice(words, rng.integers(2, 6))) for _ in range(count)]
        (directory / f"en.{name}.txt").write_text(
            "\n".join(" ".join(s) for s in sentences) + "\n")
        (directory / f"de.{name}.txt").write_text(
            "\n".join(" ".join(_DICTIONARY[w] for w in s) for s in sentences) + "\n")
