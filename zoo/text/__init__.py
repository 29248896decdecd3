"""Text in, text out: the tokenizers of the zoo's text families.

- `zoo.text.wordpiece` — BERT WordPiece (google-research/bert's
  `tokenization.FullTokenizer`) on tensorflow-text, graph-mode ready.
- `zoo.text.t2t_subwords` — tensor2tensor's `SubwordTextEncoder` vocabularies,
  pure Python, with `tf.py_function` wrappers for tf.data.

The names below are imported lazily, so using the pure-Python subword encoder
does not load tensorflow-text's kernels.
"""

import importlib

_LAZY = {
    "WordPieceTokenizer": "zoo.text.wordpiece",
    "SubwordTextEncoder": "zoo.text.t2t_subwords",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    """Imports `WordPieceTokenizer` or `SubwordTextEncoder` on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'zoo.text' has no attribute {name!r}")
