"""google-research/bert's `BertConfig`, and the port's few extra keys for the heads.

A `bert_config.json` as Google released it is accepted as it is: its keys
are `BertConfig`'s fields, with `BertConfig`'s defaults for any it leaves
out, except `vocab_size`, which has no sensible default and is required.
The multilingual and Chinese releases also hold `directionality` and
`pooler_*` keys that `modeling.py` never reads; they are accepted and
ignored. Any other key is refused (upstream's `from_dict` would silently
keep a misspelt key and use the default instead).

Extra keys, not in `BertConfig`, choose what the layer builds around it:
`heads` (run_pretraining.py's heads), `num_labels` (run_classifier.py's
head), `scope` (`BertModel`'s scope, "bert") and `use_one_hot_embeddings`
(`BertModel`'s argument of that name).
"""

import dataclasses
import json
import numbers

# The activations bert's `get_activation` knows ("" and None mean linear).
ACTIVATIONS = ("gelu", "relu", "tanh", "linear")

# Keys of the multilingual / Chinese bert_config.json files that modeling.py
# does not read (the pooler is always the first token's tanh dense).
IGNORED_KEYS = ("directionality", "pooler_fc_size", "pooler_num_attention_heads",
                "pooler_num_fc_layers", "pooler_size_per_head", "pooler_type")

# run_pretraining.py's two heads, in the order it creates them.
PRETRAINING_HEADS = ("masked_lm", "next_sentence")
# `heads` entries and the run_pretraining.py heads each one stands for.
HEAD_NAMES = {"pretraining": PRETRAINING_HEADS, "masked_lm": ("masked_lm",),
              "next_sentence": ("next_sentence",)}

# The port's keys beyond BertConfig, with their defaults.
EXTRA_DEFAULTS = {"heads": (), "num_labels": None, "scope": "bert",
                  "use_one_hot_embeddings": False}


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """`modeling.BertConfig`'s fields and defaults (`vocab_size` has none)."""

    vocab_size: int
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 16
    initializer_range: float = 0.02

    def __post_init__(self):
        for key in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                    "intermediate_size", "max_position_embeddings", "type_vocab_size"):
            _check_positive_int(key, getattr(self, key))
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"bert: hidden_size {self.hidden_size} is not a multiple of "
                             f"num_attention_heads {self.num_attention_heads}.")
        act = self.hidden_act
        known = act is None or (isinstance(act, str) and (not act or act.lower() in ACTIVATIONS))
        if not known:
            raise ValueError(f"bert: hidden_act {act!r} is not supported (bert's "
                             f"get_activation knows {', '.join(ACTIVATIONS)}).")
        for key in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            value = getattr(self, key)
            if not _is_number(value) or not 0.0 <= value < 1.0:
                raise ValueError(f"bert: {key} must be a number in [0, 1), got {value!r}.")
        if not _is_number(self.initializer_range) or self.initializer_range <= 0:
            raise ValueError(f"bert: initializer_range must be a positive number, got "
                             f"{self.initializer_range!r}.")

    @property
    def activation(self):
        """`hidden_act` normalised as bert's `get_activation` reads it ("linear" for none)."""
        return (self.hidden_act or "linear").lower()

    @classmethod
    def from_dict(cls, values):
        """A config from `bert_config.json`'s keys (the ignored release keys allowed).

        Raises:
          ValueError: naming the key, for an unknown key, a missing
            `vocab_size` or a bad value.
        """
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields - set(IGNORED_KEYS))
        if unknown:
            raise ValueError(f"bert: unknown config key(s) {', '.join(unknown)} (BertConfig's "
                             f"fields are {', '.join(sorted(fields))}).")
        if values.get("vocab_size") is None:
            raise ValueError("bert: vocab_size is required (the size of the WordPiece "
                             "vocabulary, e.g. 30522 for the uncased English models).")
        pooler_type = values.get("pooler_type", "first_token_transform")
        if pooler_type != "first_token_transform":
            raise ValueError(f"bert: pooler_type {pooler_type!r} is not what modeling.py "
                             "builds ('first_token_transform').")
        return cls(**{key: value for key, value in values.items() if key in fields})

    @classmethod
    def from_json_file(cls, path):
        """Reads a `bert_config.json` as it is."""
        with open(path) as handle:
            return cls.from_dict(json.load(handle))

    def to_dict(self):
        """The fields as a `bert_config.json` holds them."""
        return dataclasses.asdict(self)


def parse_config(config):
    """Splits `zoo.build("bert", **config)` kwargs into a `BertConfig` and the extra keys.

    Returns:
      `(BertConfig, extras)`; `extras` holds every `EXTRA_DEFAULTS` key, with
      `heads` expanded to a tuple of `PRETRAINING_HEADS` in upstream order.

    Raises:
      ValueError: naming the key at fault.
    """
    extras = dict(EXTRA_DEFAULTS)
    extras.update({key: value for key, value in config.items() if key in EXTRA_DEFAULTS})
    bert_config = BertConfig.from_dict({key: value for key, value in config.items()
                                        if key not in EXTRA_DEFAULTS})
    extras["heads"] = _parse_heads(extras["heads"])
    if extras["num_labels"] is not None:
        _check_positive_int("num_labels", extras["num_labels"])
    if not isinstance(extras["scope"], str) or not extras["scope"] or "/" in extras["scope"]:
        raise ValueError(f"bert: scope must be a non-empty scope name without '/', got "
                         f"{extras['scope']!r}.")
    if not isinstance(extras["use_one_hot_embeddings"], bool):
        raise ValueError(f"bert: use_one_hot_embeddings must be true or false, got "
                         f"{extras['use_one_hot_embeddings']!r}.")
    return bert_config, extras


def _parse_heads(heads):
    # A single name is a one-name list (handy in inline JSON and gin).
    names = [heads] if isinstance(heads, str) else heads
    if names is None:
        return ()
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"bert: heads must be a list of head names, got {heads!r}.")
    unknown = [name for name in names if name not in HEAD_NAMES]
    if unknown:
        raise ValueError(f"bert: heads has unknown name(s) {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(HEAD_NAMES)}).")
    chosen = {head for name in names for head in HEAD_NAMES[name]}
    return tuple(head for head in PRETRAINING_HEADS if head in chosen)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_positive_int(key, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"bert: {key} must be a positive integer, got {value!r}.")
