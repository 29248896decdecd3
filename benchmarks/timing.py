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
