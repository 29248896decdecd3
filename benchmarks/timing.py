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
