"""What the benchmark scripts share: a median over rounds after warm-up."""

import statistics
import time


def median_seconds(fn, rounds):
    """The median wall time of `fn()` over `rounds`, after two warm-up calls (tracing)."""
    fn()
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_median_seconds(fns, rounds):
    """`{name: median wall time}` for several `fns`, timed in alternation round by round.

    Alternating the contenders inside each round spreads slow phases of a
    shared machine (another process, thermal throttling) over all of them,
    so their ratio is fairer than timing one after the other.
    """
    for fn in fns.values():
        fn()
        fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def run_tf1_side(script, args, modules):
    """Runs `script args` under TF1's Keras (TF_USE_LEGACY_KERAS=1); its last line's JSON.

    The TF1 side needs `modules` (e.g. tf_keras, tf_slim): this Python if it
    has them, else $TF1TRACK_TF1_PYTHON. Returns None (the caller says the
    side was skipped) when neither is there.
    """
    import importlib.util
    import json
    import os
    import subprocess
    import sys
    python = (sys.executable if all(importlib.util.find_spec(m) for m in modules)
              else os.environ.get("TF1TRACK_TF1_PYTHON"))
    if not python:
        return None
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1")
    out = subprocess.run([python, script, *args], env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])
