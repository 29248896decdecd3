"""Parametrisations whose repeats run in the slow suite only.

The default run keeps the first cases of a parametrisation (each different
path stays covered); the rest, which repeat the same machinery at several
seconds apiece (a subprocess importing TensorFlow, a whole model), run with
`pytest -m slow`.
"""

import pytest


def slow_beyond(keep, cases, ids=None):
    """`cases` as `pytest.param`s, all after the first `keep` marked slow.

    A tuple case fills several arguments; anything else fills one.
    """
    params = []
    for index, case in enumerate(cases):
        values = case if isinstance(case, tuple) else (case,)
        marks = () if index < keep else (pytest.mark.slow,)
        params.append(pytest.param(*values, marks=marks, id=None if ids is None else ids[index]))
    return params
