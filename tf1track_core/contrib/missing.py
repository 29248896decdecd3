"""The one error for a part of `tf.contrib` that tf1track does not provide."""


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


def missing_names_getattr(module_name, public_name):
    """A module `__getattr__` raising `missing_contrib_symbol` for unknown names."""

    def module_getattr(name):
        if name.startswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise missing_contrib_symbol(f"{public_name}.{name}")

    return module_getattr
