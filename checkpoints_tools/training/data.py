"""Data sources for fine-tuning, offline: prepared TFDS datasets and the user's folders.

Every source returns a `Source`: a zero-argument function making the
`tf.data.Dataset` of `(features, label)` (or of text pairs), deterministic in
order, plus what the model needs to know (number of classes). Nothing here
downloads: a dataset that is not prepared, or a folder that is missing or
empty, is one `FinetuneConfigError` naming it.
"""

import dataclasses
import pathlib
import shutil
import tempfile

import gin
import numpy as np
import tensorflow as tf

from checkpoints_tools.training.errors import FinetuneConfigError


@dataclasses.dataclass(frozen=True)
class Source:
    """A dataset split: `make()` builds it; its size (None if unknown); `num_classes` (or None)."""

    name: str
    make: object
    num_examples: int
    num_classes: int = None


def _tfds():
    import tensorflow_datasets as tfds  # pylint: disable=import-outside-toplevel
    return tfds


@gin.configurable
def tfds_dataset(name=gin.REQUIRED, split="train", data_dir=None, image_key="image",
                 label_key="label"):
    """A TFDS dataset the user prepared (`tfds build`), read with `tfds.load(download=False)`.

    Raises:
      FinetuneConfigError: for an unknown name, a dataset not prepared in
        `data_dir`, or a split it does not have.
    """
    tfds = _tfds()

    def load(with_info=False):
        return tfds.load(name, split=split, data_dir=data_dir, download=False,
                         shuffle_files=False, with_info=with_info)

    try:
        _, info = load(with_info=True)
    except tfds.core.registered.DatasetNotFoundError:
        raise FinetuneConfigError(f"TFDS dataset {name!r}: no such dataset in "
                                  "tensorflow-datasets.") from None
    except (AssertionError, FileNotFoundError) as error:  # tfds: "could not find data in ..."
        where = data_dir or "the default TFDS data_dir (~/tensorflow_datasets)"
        raise FinetuneConfigError(
            f"TFDS dataset {name!r} (split {split!r}) is not prepared in {where}; prepare it "
            f"first (`tfds build {name} --data_dir=...`) — tf1track never downloads. "
            f"({' '.join(str(error).split())[:200]})") from None
    except ValueError as error:  # an unknown split
        raise FinetuneConfigError(f"TFDS dataset {name!r}: {' '.join(str(error).split())}") \
            from None
    label_feature = info.features[label_key] if label_key in info.features else None

    def make():
        return load().map(lambda example: (example[image_key], example[label_key]))

    try:
        num_examples = info.splits[split].num_examples
    except KeyError:  # (tfds's mock data has no split metadata)
        num_examples = None
    return Source(f"tfds:{name}/{split}", make, num_examples,
                  getattr(label_feature, "num_classes", None))


@gin.configurable
def image_folder(root_dir=gin.REQUIRED, split="train"):
    """Images in `root_dir/<split>/<class>/<file>` (TFDS's `ImageFolder`), labels by class.

    Raises:
      FinetuneConfigError: if the folder or split is missing or holds no images.
    """
    root = pathlib.Path(root_dir)
    if not (root / split).is_dir():
        raise FinetuneConfigError(f"image folder {root}: no split directory {split!r} "
                                  f"(expected {root}/{split}/<class>/<image files>).")
    try:
        builder = _tfds().folder_dataset.ImageFolder(str(root))
    except Exception as error:  # tfds raises plain errors for malformed folders
        raise FinetuneConfigError(f"image folder {root}: {error}") from None
    info = builder.info.splits.get(split) if hasattr(builder.info.splits, "get") \
        else builder.info.splits[split]
    if info is None or info.num_examples == 0:
        raise FinetuneConfigError(f"image folder {root}/{split}: no images found.")

    def make():
        return builder.as_dataset(split=split, shuffle_files=False, as_supervised=True)

    return Source(f"folder:{root}/{split}", make, info.num_examples,
                  builder.info.features["label"].num_classes)


@gin.configurable
def translate_folder(root_dir=gin.REQUIRED, split="train", language_pair=gin.REQUIRED):
    """Parallel text: `root_dir/<lang>.<split>.txt`, a sentence a line (TFDS's `TranslateFolder`).

    Yields `(source sentence, target sentence)` strings for the tokenizers the
    text families bring.

    Raises:
      FinetuneConfigError: if a file of the pair is missing.
    """
    root = pathlib.Path(root_dir)
    source_lang, target_lang = language_pair
    missing = [str(root / f"{lang}.{split}.txt") for lang in (source_lang, target_lang)
               if not (root / f"{lang}.{split}.txt").is_file()]
    if missing:
        raise FinetuneConfigError(f"translate folder {root}: missing {', '.join(missing)}.")
    builder = _tfds().folder_dataset.TranslateFolder(str(root))

    def make():
        return builder.as_dataset(split=split, shuffle_files=False).map(
            lambda example: (example[source_lang], example[target_lang]))

    return Source(f"translate:{root}/{split}", make, builder.info.splits[split].num_examples)


@gin.configurable
def text_folder(root_dir=gin.REQUIRED, split="train"):
    """Sentences by class: `root_dir/<split>/<class>.txt`, one example a line (labels: sorted classes).

    Yields `(sentence, label)`; empty lines are skipped.

    Raises:
      FinetuneConfigError: if the split is missing or holds no sentences.
    """
    directory = pathlib.Path(root_dir) / split
    files = sorted(directory.glob("*.txt")) if directory.is_dir() else []
    if not files:
        raise FinetuneConfigError(f"text folder {directory}: no <class>.txt files "
                                  f"(expected {directory}/<class>.txt, a sentence a line).")
    sentences, labels = [], []
    for label, path in enumerate(files):
        lines = [line for line in _read_lines(path) if line.strip()]
        sentences += lines
        labels += [label] * len(lines)
    if not sentences:
        raise FinetuneConfigError(f"text folder {directory}: every class file is empty.")

    def make():
        return tf.data.Dataset.from_tensor_slices((sentences, np.array(labels, np.int64)))

    return Source(f"text:{directory}", make, len(sentences), len(files))


def _read_lines(path):
    try:
        return pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise FinetuneConfigError(f"{path}: not UTF-8 text ({error.reason} at byte "
                                  f"{error.start}).") from None


@gin.configurable
def t2t_translate_folder(root_dir=gin.REQUIRED, split="train", language_pair=gin.REQUIRED,
                         vocab_file=gin.REQUIRED):
    """Parallel text encoded with a tensor2tensor subword vocabulary, EOS appended (as t2t).

    `root_dir/<lang>.<split>.txt` as `translate_folder`; yields `(input ids,
    target ids)`. Encoded once, in Python (t2t's encoder is not made of TF
    ops), so the pipeline stays pure TF and its position can be checkpointed.

    Raises:
      FinetuneConfigError: for a missing file, a malformed vocabulary, or files
        of different line counts.
    """
    from zoo.text import t2t_subwords  # pylint: disable=import-outside-toplevel
    root, paths = _parallel_files(root_dir, split, language_pair)
    try:
        encoder = t2t_subwords.SubwordTextEncoder(vocab_file)
    except (OSError, ValueError) as error:
        raise FinetuneConfigError(f"subword vocabulary {vocab_file}: {error}") from None
    texts = _read_parallel(root, paths)
    return _encoded_pairs(f"translate:{root}/{split}",
                          [[encoder.encode(text, add_eos=True) for text in side]
                           for side in texts])


@gin.configurable
def nmt_translate_folder(root_dir=gin.REQUIRED, split="train", language_pair=gin.REQUIRED,
                         src_vocab_file=gin.REQUIRED, tgt_vocab_file=gin.REQUIRED, sos="<s>",
                         eos="</s>"):
    """Parallel text encoded with tensorflow/nmt vocabulary files (`vocab.<lang>`), as nmt.

    `root_dir/<lang>.<split>.txt` as `translate_folder`; sentences are split
    on spaces and looked up as nmt's tables do (unknown words: `<unk>`, 0;
    `<unk>`, `<s>`, `</s>` put in front of a file that lacks them). Yields
    `(source ids, target ids)` without `<s>`/`</s>` (`preprocessing.nmt_translate`
    adds them). Encoded once, in Python, so the pipeline's position can be
    checkpointed.

    Raises:
      FinetuneConfigError: for a missing file, a bad vocabulary, or files of
        different line counts.
    """
    from zoo.nmt import vocab  # pylint: disable=import-outside-toplevel
    root, paths = _parallel_files(root_dir, split, language_pair)
    tables = []
    for path in (src_vocab_file, tgt_vocab_file):
        try:
            tokens = vocab.read_vocab(path, sos, eos)
        except (OSError, ValueError) as error:
            raise FinetuneConfigError(f"nmt vocabulary {path}: {error}") from None
        tables.append({token: i for i, token in enumerate(tokens)})
    texts = _read_parallel(root, paths)
    return _encoded_pairs(f"nmt_translate:{root}/{split}",
                          [[[table.get(word, vocab.UNK_ID) for word in text.split()]
                            for text in side] for table, side in zip(tables, texts)])


def _parallel_files(root_dir, split, language_pair):
    """`(root, [source path, target path])` of `<lang>.<split>.txt`; both must exist."""
    root = pathlib.Path(root_dir)
    paths = [root / f"{lang}.{split}.txt" for lang in language_pair]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FinetuneConfigError(f"translate folder {root}: missing {', '.join(missing)}.")
    return root, paths


def _read_parallel(root, paths):
    """`(source lines, target lines)`, which must be as many."""
    sources, targets = (_read_lines(path) for path in paths)
    if len(sources) != len(targets):
        raise FinetuneConfigError(f"translate folder {root}: {paths[0].name} has {len(sources)} "
                                  f"lines, {paths[1].name} {len(targets)}.")
    return sources, targets


def _encoded_pairs(name, encoded):
    """A `Source` of `(source ids, target ids)` from the two sides' id lists."""
    (inputs, input_lengths), (outputs, output_lengths) = map(_padded, encoded)

    def make():
        return tf.data.Dataset.from_tensor_slices(
            (inputs, input_lengths, outputs, output_lengths)).map(
                lambda x, nx, y, ny: (x[:nx], y[:ny]))

    return Source(name, make, len(input_lengths))


def _padded(rows):
    """Ragged id lists as a zero-padded `[rows, longest]` matrix and the lengths."""
    matrix = np.zeros([len(rows), max([1] + list(map(len, rows)))], np.int32)
    for i, row in enumerate(rows):
        matrix[i, :len(row)] = row
    return matrix, np.array([len(row) for row in rows], np.int32)


@gin.configurable
def generated_shapes(root_dir=gin.REQUIRED, split="train", image_size=32,
                     examples_per_class=64, seed=0):
    """A small image folder tf1track draws itself (deterministically), for the demo.

    Three classes that a small convnet tells apart after a few hundred steps:
    a bright square, a bright disc and horizontal stripes, each at a random
    place and size on noise. Written once to `root_dir` (train and test
    splits) as PNG files, then read back through `image_folder`.
    """
    root = write_once(root_dir, lambda directory: _draw_shapes(
        directory, image_size, examples_per_class, seed))
    return image_folder(root_dir=str(root), split=split)


def write_once(root, write):
    """`root`, written by `write(scratch_dir)` unless complete, drawn aside and renamed into place.

    A reader (another worker, a killed run) never sees a half-written folder.
    """
    root = pathlib.Path(root)
    if (root / "done").is_file():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    scratch = pathlib.Path(tempfile.mkdtemp(prefix=root.name + ".", dir=root.parent))
    write(scratch)
    (scratch / "done").write_text("generated by tf1track\n")
    try:
        scratch.rename(root)
    except OSError:  # written meanwhile by another process: the same files
        shutil.rmtree(scratch, ignore_errors=True)
    return root


def _draw_shapes(root, size, per_class, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for split, count in (("train", per_class), ("test", max(per_class // 4, 4))):
        for label in ("square", "disc", "stripes"):
            directory = root / split / label
            directory.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                image = rng.normal(80, 30, size=(size, size, 3))
                r = rng.integers(size // 6, size // 3)
                cy, cx = rng.integers(r, size - r, size=2)
                if label == "square":
                    mask = (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
                elif label == "disc":
                    mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
                else:
                    mask = (yy // max(r // 2, 1)) % 2 == 0
                image[mask] += rng.uniform(90, 140)
                png = tf.io.encode_png(np.clip(image, 0, 255).astype(np.uint8))
                tf.io.write_file(str(directory / f"{i:04d}.png"), png)
