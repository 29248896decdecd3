"""The one error for a TF1 symbol (tf.contrib or other) that tf1track does not provide."""


class MissingContribSymbolError(AttributeError, NotImplementedError):
    """A `tf.contrib` symbol that tf1track does not provide.

    An `AttributeError` (so `hasattr` and `getattr(..., default)` work as on
    any module) and a `NotImplementedError`.
    """


def missing_contrib_symbol(symbol):
    """The error for `symbol` (e.g. "tf.contrib.layers.optimize_loss")."""
    return MissingContribSymbolError(
        f"{symbol} is not provided by tf1track: TF 1.15's tf.contrib was removed from "
        "TensorFlow and tf1track brings back only what TF1 model code used "
        "(tf.contrib.layers, rnn, seq2seq, framework; slim through tf_slim). Port the "
        "call to TF2 (see https://www.tensorflow.org/guide/migrate) or open an issue.")


class MissingTF1SymbolError(AttributeError, NotImplementedError):
    """A TF1 API symbol (outside tf.contrib) that tf1track does not provide."""


def missing_names_getattr(module_name, public_name, advice=None):
    """A module `__getattr__` raising one clear error for names the module lacks.

    Args:
      module_name: the module's `__name__`.
      public_name: how TF1 code spells the module (`tf.contrib.layers`).
      advice: what to do instead, for TF1 API outside tf.contrib; without it
        the error is `missing_contrib_symbol`'s.
    """

    def module_getattr(name):
        if name.startswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        if advice is None:
            raise missing_contrib_symbol(f"{public_name}.{name}")
        raise MissingTF1SymbolError(f"{public_name}.{name} is not provided by tf1track: {advice}")

    return module_getattr
