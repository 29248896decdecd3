"""The one way tests find the real TF1 fixture files (they are never copied here)."""

import os
import pathlib

import pytest

_REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


def fixtures_dir():
    """`$TF1TRACK_FIXTURES`, or `../shared/fixtures` beside the repository."""
    return pathlib.Path(os.environ.get("TF1TRACK_FIXTURES", _REPO_ROOT.parent / "shared" / "fixtures"))


def tf1_real(*parts):
    """Path under `tf1_real/`; skips the test, saying why, if the fixtures are absent.

    In CI (`CI=true`, where `shared/fixtures` sits beside the clone) an absent
    fixture is a failure, not a skip: a green CI run has run these tests.
    """
    root = fixtures_dir() / "tf1_real"
    if not root.is_dir():
        message = (f"real TF1 fixtures not found at {root}; set TF1TRACK_FIXTURES "
                   "to the folder holding tf1_real/ to run this test")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("in CI the fixtures must be present: " + message)
        pytest.skip(message)
    return root.joinpath(*parts)
