"""tf1track-inspect: list a TF1 checkpoint's tensors.

    tf1track-inspect --checkpoint=PATH [--filter=REGEX] [--nowith_training_state] [--verify]

    tf1track-inspect --checkpoint=model.ckpt-1 --filter='encoder/layer_0'

Prints name, shape, dtype, parameter count and size of every tensor (optimizer
slots, global_step and training bookkeeping marked), then the totals. It
checks the data files against the index (every shard there, large enough);
`--verify` also reads every tensor, checking its checksum. A missing shard or
truncated data is one line and exit 1.
"""

import re
import sys

from absl import flags

from checkpoints_tools.cli.common import UserError
from checkpoints_tools.cli.common import run_app
from checkpoints_tools.names import classify_training_state
from checkpoints_tools.reader import TF1Checkpoint


def human_size(num_bytes):
    """`512 B`, `1.2 KiB`, `9.4 MiB`, ..."""
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def inspect_checkpoint(*, checkpoint, name_filter="", with_training_state=True, verify=False,
                       out=None):
    """Writes the listing of `checkpoint` to `out`; returns the number of weights listed.

    Raises:
      CheckpointError: if a data shard is missing or the data is truncated (or,
        with `verify`, corrupt).
    """
    out = out or sys.stdout
    try:
        pattern = re.compile(name_filter) if name_filter else None
    except re.error as error:
        raise UserError(f"--filter: {name_filter!r} is not a valid regular expression "
                        f"({error}).") from None
    reader = TF1Checkpoint(checkpoint)
    data_size = reader.check_files(verify=verify)
    rows, totals = [], {"weights": [0, 0, 0], "training state": [0, 0, 0]}
    for info in reader.tensors.values():
        if pattern and not pattern.search(info.name):
            continue
        kind = classify_training_state(info.name)
        if kind and not with_training_state:
            continue
        rows.append((info.name, str(list(info.shape)), info.dtype.name, info.num_elements,
                     info.num_bytes, kind or ""))
        total = totals["training state" if kind else "weights"]
        total[0] += 1
        total[1] += info.num_elements
        total[2] += info.num_bytes
    width = max([len("name")] + [len(r[0]) for r in rows])
    print(f"checkpoint: {reader.path}", file=out)
    print(f"{'name':{width}s}  {'shape':16s} {'dtype':8s} {'params':>12s} {'size':>10s}  note",
          file=out)
    for name, shape, dtype, count, size, note in rows:
        print(f"{name:{width}s}  {shape:16s} {dtype:8s} {count:12,d} {human_size(size):>10s}  "
              f"{note}", file=out)
    for label, (count, params, size) in totals.items():
        print(f"{label}: {count} tensors, {params:,} parameters, {human_size(size)}", file=out)
    print(f"total: {sum(t[0] for t in totals.values())} tensors, "
          f"{human_size(sum(t[2] for t in totals.values()))} listed; data files "
          f"{human_size(data_size)}" + (", every checksum verified" if verify else ""), file=out)
    return totals["weights"][0]


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    inspect_checkpoint(checkpoint=flags.FLAGS.checkpoint, name_filter=flags.FLAGS.filter,
                       with_training_state=flags.FLAGS.with_training_state,
                       verify=flags.FLAGS.verify)


def run():
    """Console-script entry point."""
    flags.DEFINE_string("checkpoint", None, "TF1 checkpoint prefix, directory or V1 file.",
                        required=True)
    flags.DEFINE_string("filter", "", "Only list tensors whose name matches this regex.")
    flags.DEFINE_boolean("with_training_state", True,
                         "Also list optimizer slots, global_step and training bookkeeping.")
    flags.DEFINE_boolean("verify", False, "Also read every tensor, checking its checksum.")
    run_app("tf1track-inspect", __name__, main)


if __name__ == "__main__":
    run()
