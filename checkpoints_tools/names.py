"""From checkpoint names to model names: assignment maps, skip rules, optimizer state.

An assignment map is either
* a dict in TF1 `init_from_checkpoint` style: `{"old_scope/": "new_scope/"}`
  renames a scope (keys ending in '/'), `{"a/b": "c/d"}` one name, and
  `{"/": "new_scope/"}` puts everything under a scope; names it does not cover
  keep their own; or
* an ordered list of regex rules `[(pattern, replacement), ...]`: the first
  rule whose pattern is found rewrites the name (`re.sub`, once); a
  replacement of None skips the tensor.
"""

import re

# Optimizer slots and accumulators, training step and bookkeeping that TF1
# training wrote beside the weights. Skipped (and reported) unless asked not to.
OPTIMIZER_STATE_PATTERNS = (
    # TF1 names a slot `<variable>/<optimizer name>`, adding _1, _2... for the
    # second and later slots (Adam_1) and for a second optimizer (Adam_2).
    r"/(Adam|adam_m|adam_v|Momentum|Adagrad|AdagradDA|ProximalAdagrad|RMSProp|Ftrl|Adadelta"
    r"|LAMB|Nadam|Adafactor|AdamWeightDecayOptimizer|ExponentialMovingAverage)(_\d+)?$",
    r"(^|/)(beta1_power|beta2_power)(_\d+)?$",
)
STEP_PATTERNS = (
    r"(^|/)global_step$",
    # tensorflow/nmt's step counter is a bare `tf.Variable(0, trainable=False)`.
    r"^Variable(_\d+)?$",
)
BOOKKEEPING_PATTERNS = (
    r"^_CHECKPOINTABLE_OBJECT_GRAPH$",  # TF2 object graph, not a weight
    r"^losses_avg/", r"^train_stats/",  # tensor2tensor's running metrics
)


# One compiled alternation per kind: classified once per checkpoint tensor.
_TRAINING_STATE_KINDS = [
    (re.compile("|".join(f"(?:{p})" for p in patterns)), kind)
    for patterns, kind in ((OPTIMIZER_STATE_PATTERNS, "optimizer state"),
                           (STEP_PATTERNS, "training step"),
                           (BOOKKEEPING_PATTERNS, "training bookkeeping"))]


def classify_training_state(name):
    """'optimizer state', 'training step', 'training bookkeeping' or None for a weight."""
    for regex, kind in _TRAINING_STATE_KINDS:
        if regex.search(name):
            return kind
    return None


class NameMap:
    """Translates checkpoint names into model names.

    Args:
      assignment_map: None, a TF1-style prefix dict, or a list of
        `(pattern, replacement)` regex rules (see the module docstring).
      skip: regex patterns; a checkpoint tensor *or* model variable whose name
        matches one is left alone (not loaded, not reported missing), e.g.
        `["^resnet_v1_50/logits/"]` to fine-tune with a new head.
      skip_training_state: skip optimizer slots, `global_step` and training
        bookkeeping (default True).

    Raises:
      ValueError: naming the bad entry, for a malformed map or pattern.
    """

    def __init__(self, assignment_map=None, skip=(), skip_training_state=True):
        self._skip = [_compile(p, "skip pattern") for p in (skip or ())]
        self._skip_training_state = skip_training_state
        self._prefixes = None
        self._rules = None
        if assignment_map is None:
            pass
        elif isinstance(assignment_map, dict):
            for old, new in assignment_map.items():
                if not isinstance(old, str) or not isinstance(new, str):
                    raise ValueError(f"assignment_map entry {old!r}: {new!r} must map a string "
                                     "to a string.")
                if old.endswith("/") != new.endswith("/") and old != "/":
                    raise ValueError(f"assignment_map entry {old!r}: {new!r} maps a scope to a "
                                     "single name; both must end with '/' or neither.")
            # Longest prefix first, so specific entries win over broad ones.
            self._prefixes = sorted(assignment_map.items(), key=lambda kv: -len(kv[0]))
        else:
            self._rules = []
            for rule in assignment_map:
                if not isinstance(rule, (list, tuple)) or len(rule) != 2:
                    raise ValueError(f"assignment_map rule {rule!r} must be a (pattern, "
                                     "replacement) pair.")
                pattern, replacement = rule
                self._rules.append((_compile(pattern, "assignment_map pattern"), replacement))

    def skips_model_name(self, name):
        """True if model variable `name` is excluded from loading by a skip pattern."""
        return any(p.search(name) for p in self._skip)

    def map(self, name):
        """`(model_name, None)` for a checkpoint name, or `(None, why it is skipped)`."""
        if any(p.search(name) for p in self._skip):
            return None, "skip pattern"
        if self._skip_training_state:
            kind = classify_training_state(name)
            if kind:
                return None, kind
        if self._prefixes is not None:
            return self._map_prefix(name), None
        if self._rules is not None:
            for pattern, replacement in self._rules:
                if pattern.search(name):
                    if replacement is None:
                        return None, f"assignment_map rule {pattern.pattern!r}"
                    return pattern.sub(replacement, name, count=1), None
        return name, None

    def _map_prefix(self, name):
        for old, new in self._prefixes:
            if old == "/":
                return new + name
            if old.endswith("/") and name.startswith(old):
                return new + name[len(old):]
            if name == old:
                return new
        return name


def _compile(pattern, what):
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as error:
        raise ValueError(f"{what} {pattern!r} is not a valid regular expression: {error}") from None
