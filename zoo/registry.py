"""The zoo registry: model names to builders of tracked Keras layers.

Every registered model is a Keras layer whose `call(*inputs, training=...,
return_end_points=False)` runs TF1 code under `track_tf1_style_variables`, and
which has `example_inputs(batch_size=1)` returning `{name: array}` in call
order (used to create its variables and to define serving signatures).
"""

import inspect

_BUILDERS = {}


def register(name):
    """Decorator registering `builder(**config) -> layer` under `name`."""

    def decorate(builder):
        if name in _BUILDERS and _BUILDERS[name] is not builder:
            raise ValueError(f"zoo model {name!r} is already registered.")
        _BUILDERS[name] = builder
        return builder

    return decorate


def names():
    """The registered model names, sorted."""
    return sorted(_BUILDERS)


def build(name, **config):
    """Builds zoo model `name` with its upstream config keys.

    Raises:
      ValueError: naming the model, for an unknown model or config key.
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown zoo model {name!r}; known models: {', '.join(names()) or 'none'}.")
    builder = _BUILDERS[name]
    parameters = inspect.signature(builder).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        unknown = sorted(set(config) - set(parameters))
        if unknown:
            raise ValueError(f"zoo model {name!r} has no config key(s) {', '.join(unknown)}; "
                             f"it takes {', '.join(parameters)}.")
    return builder(**config)
