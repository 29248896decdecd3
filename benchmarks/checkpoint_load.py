"""Loading a ResNet-50-size TF1 checkpoint by name: time and memory, side by side.

Writes (once, in a temporary directory) a TF1 `Saver` checkpoint with the 267
variables of TF-Slim's `resnet_v1_50` (BN with gamma; ~102 MB), then measures,
interleaved over several rounds:

* raw read — the data file's bytes read into a reused buffer (the disk
  limit, the strict baseline the target refers to), and for reference the
  plain `open().read()` of the files (which also allocates their size);
* `load_tf1_checkpoint` — plan, verify-read and assign, by TF1 name;
* `tf.train.Checkpoint` restore of the same variables from a TF2 checkpoint;
* one TF read pass assigned as it goes — what the load would cost without
  its verify pass (not atomic: shown to price atomicity, not offered);

each twice: from a warm page cache, and cold (the files evicted with
posix_fadvise before every run, so "raw read" is the disk limit). It also
measures, in fresh processes, the peak extra memory of one
`load_tf1_checkpoint` against the largest tensor, under TF's plain (malloc)
CPU allocator and its default pooling oneDNN one (see
`peak_in_fresh_process`). Targets: load <= 2x the raw (cold, disk-limited)
read; peak extra memory <= 1.2x the largest tensor plus a constant.

Run: python benchmarks/checkpoint_load.py [--rounds 5]
"""

import argparse
import multiprocessing
import os
import statistics
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tf1track_core  # noqa: E402
from checkpoints_tools import load_tf1_checkpoint  # noqa: E402
from checkpoints_tools.reader import TF1Checkpoint  # noqa: E402

v1 = tf.compat.v1


def resnet_v1_50_variables():
    """`{name: shape}` of slim's resnet_v1_50 (1000 classes, batch norm with scale)."""
    shapes = {}

    def conv_bn(scope, kh, cin, cout):
        shapes[f"{scope}/weights"] = (kh, kh, cin, cout)
        for stat in ("gamma", "beta", "moving_mean", "moving_variance"):
            shapes[f"{scope}/BatchNorm/{stat}"] = (cout,)

    conv_bn("resnet_v1_50/conv1", 7, 3, 64)
    depth_in = 64
    for block, (base, units) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for unit in range(1, units + 1):
            scope = f"resnet_v1_50/block{block}/unit_{unit}/bottleneck_v1"
            if unit == 1:
                conv_bn(f"{scope}/shortcut", 1, depth_in, base * 4)
            conv_bn(f"{scope}/conv1", 1, depth_in, base)
            conv_bn(f"{scope}/conv2", 3, base, base)
            conv_bn(f"{scope}/conv3", 1, base, base * 4)
            depth_in = base * 4
    shapes["resnet_v1_50/logits/weights"] = (1, 1, 2048, 1000)
    shapes["resnet_v1_50/logits/biases"] = (1000,)
    return shapes


def write_tf1_checkpoint(directory, shapes):
    """A TF1 Saver checkpoint of random values with these names and shapes."""
    graph = tf.Graph()
    with graph.as_default():
        for name, shape in shapes.items():
            v1.get_variable(name, shape, initializer=v1.random_normal_initializer(seed=1))
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return v1.train.Saver().save(session, os.path.join(directory, "model.ckpt"),
                                         write_meta_graph=False)


class Model(tf.Module):
    """The same variables, created by TF1 code under tf1track (zeros)."""

    def __init__(self, shapes):
        super().__init__()
        self._shapes = shapes

    @tf1track_core.track_tf1_style_variables
    def __call__(self):
        for name, shape in self._shapes.items():
            v1.get_variable(name, shape, initializer=v1.zeros_initializer())


def read_whole_files(prefix):
    """Reads every data shard with `open().read()`: the plain way to read the bytes."""
    directory, base = os.path.split(prefix)
    for entry in sorted(os.listdir(directory)):
        if entry.startswith(base + ".data-"):
            with open(os.path.join(directory, entry), "rb") as handle:
                handle.read()


def read_and_assign_once(model, prefix):
    """One pass of TF reads straight into the variables, without the verify pass.

    Not a way to load (a corrupt tensor found midway would leave earlier
    variables assigned); measured to show what the atomic load's second pass
    costs.
    """
    checkpoint = TF1Checkpoint(prefix)
    variables = {v.name.split(":")[0]: v for v in model.variables}
    names = sorted(checkpoint.tensors)
    largest = max(checkpoint.tensors[n].num_bytes for n in names)
    for batch in checkpoint.read_batches(names, largest // 2):
        for name, value in batch.items():
            variables[name].assign(value)


def read_raw(prefix, buffer):
    """Reads every data shard's bytes into `buffer` (reused), as fast as Python can."""
    directory, base = os.path.split(prefix)
    for entry in sorted(os.listdir(directory)):
        if entry.startswith(base + ".data-"):
            with open(os.path.join(directory, entry), "rb", buffering=0) as handle:
                view = memoryview(buffer)
                while handle.readinto(view):
                    pass


def resident_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_extra_memory(fn):
    """Runs fn; returns the peak resident memory above the starting level (sampled)."""
    start = resident_bytes()
    peak = [start]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], resident_bytes())
            time.sleep(0.0005)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        fn()
    finally:
        done.set()
        thread.join()
    return max(peak[0], resident_bytes()) - start


def evict(directory):
    """Drops the directory's files from the page cache, so the next read hits the disk."""
    for root, _, files in os.walk(directory):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fdatasync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def measure_times(runs, rounds, cold_directory=None):
    """Median seconds per run, interleaved by round; evicting first when cold."""
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            if cold_directory:
                evict(cold_directory)
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def fresh_process_peak(prefix, shapes, queue):
    """In a new process: build the model, then measure one load's peak memory.

    Puts `(peak extra resident bytes, peak extra bytes TF's allocator had in
    use or None where it keeps no statistics)`.
    """
    model = Model(shapes)
    model()
    try:
        tf.config.experimental.reset_memory_stats("CPU:0")
        in_use_before = tf.config.experimental.get_memory_info("CPU:0")["current"]
    except ValueError:  # TF's plain CPU allocator keeps no statistics
        in_use_before = None
    resident = peak_extra_memory(lambda: load_tf1_checkpoint(model, prefix))
    in_use = None
    if in_use_before is not None:
        in_use = tf.config.experimental.get_memory_info("CPU:0")["peak"] - in_use_before
    queue.put((resident, in_use))


def peak_in_fresh_process(prefix, shapes, pooling_allocator):
    """One load's peak extra memory in a fresh process, with either CPU allocator.

    `pooling_allocator=False` turns oneDNN off, so TF allocates with malloc;
    a fixed mmap threshold then makes glibc return freed large buffers to the
    OS at once (by default glibc raises the threshold after the first free
    and keeps such buffers resident), so resident memory follows live memory.
    With True, TF's default oneDNN allocator pools large buffers (a BFC
    arena): resident memory then also counts arena pages the load touched
    that earlier allocations had reserved, and the allocator's own peak
    bytes in use is reported besides.
    """
    settings = {"TF_ENABLE_ONEDNN_OPTS": "1" if pooling_allocator else "0",
                "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=fresh_process_peak, args=(prefix, shapes, queue))
        child.start()
        peak = queue.get()
        child.join()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    shapes = resnet_v1_50_variables()
    sizes = {name: int(np.prod(shape)) * 4 for name, shape in shapes.items()}
    largest = max(sizes.values())
    with tempfile.TemporaryDirectory() as directory:
        prefix = write_tf1_checkpoint(directory, shapes)
        model = Model(shapes)
        model()
        tf2_path = tf.train.Checkpoint(model=model).write(os.path.join(directory, "tf2", "ckpt"))
        buffer = bytearray(64 << 20)
        runs = {
            "raw read": lambda: read_raw(prefix, buffer),
            "open().read() of the files": lambda: read_whole_files(prefix),
            "load_tf1_checkpoint": lambda: load_tf1_checkpoint(model, prefix),
            "tf.train.Checkpoint restore": lambda: tf.train.Checkpoint(model=model).read(
                tf2_path).assert_existing_objects_matched(),
            "one pass, not atomic": lambda: read_and_assign_once(model, prefix),
        }
        for fn in runs.values():
            fn()  # warm up TF
        results = {"warm page cache": measure_times(runs, args.rounds),
                   "cold (evicted)": measure_times(runs, args.rounds, cold_directory=directory)}
        # The same for a 2-variable checkpoint: the constant cost of any load
        # (TF kernels, op set-up), which the target allows on top.
        tiny = {"a": (10,), "b": (3, 3)}
        tiny_prefix = write_tf1_checkpoint(os.path.join(directory, "tiny"), tiny)
        memory = {pooling: (peak_in_fresh_process(prefix, shapes, pooling),
                            peak_in_fresh_process(tiny_prefix, tiny, pooling))
                  for pooling in (False, True)}
    print(f"checkpoint: {len(shapes)} variables, {sum(sizes.values()) / 1e6:.1f} MB; "
          f"largest tensor {largest / 1e6:.1f} MB; medians of {args.rounds} rounds")
    for label, medians in results.items():
        raw = medians["raw read"]
        print(f"{label}:")
        for name, seconds in medians.items():
            print(f"  {name:28s} {seconds * 1e3:8.1f} ms   {seconds / raw:5.2f}x raw read")
        print(f"  load / tf.train.Checkpoint restore: "
              f"{medians['load_tf1_checkpoint'] / medians['tf.train.Checkpoint restore']:.2f}")
    print(f"load / raw read, cold (disk limit): "
          f"{results['cold (evicted)']['load_tf1_checkpoint'] / results['cold (evicted)']['raw read']:.2f}"
          " (target <= 2)")
    (resident, _), (constant, _) = memory[False]
    print(f"peak extra memory of one load, fresh process, TF's plain (malloc) CPU allocator: "
          f"{resident / 1e6:.1f} MB resident; of a 2-variable load (the constant): "
          f"{constant / 1e6:.1f} MB")
    print(f"  (peak - constant) / largest tensor: {(resident - constant) / largest:.2f} "
          f"(target <= 1.2; model {sum(sizes.values()) / 1e6:.1f} MB)")
    (resident, in_use), (constant, tiny_in_use) = memory[True]
    if in_use is None:
        print("(TF's oneDNN pooling allocator is not available on this machine)")
        return
    print(f"with TF's default pooling oneDNN allocator: peak bytes in use "
          f"{in_use / 1e6:.1f} MB ({in_use / largest:.2f}x largest tensor; the 2-variable load: "
          f"{tiny_in_use / 1e6:.1f} MB); resident {resident / 1e6:.1f} MB "
          f"({(resident - constant) / largest:.2f}x, arena pages touched)")


if __name__ == "__main__":
    main()
