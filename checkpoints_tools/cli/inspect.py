"""tf1track-inspect: list a TF1 checkpoint's tensors.

    tf1track-inspect --checkpoint=PATH [--filter=REGEX] [--nowith_training_state]

Prints name, shape, dtype, parameter count and size of every tensor (optimizer
slots, global_step and training bookkeeping marked), then the totals.
"""

import re
import sys

from absl import app
from absl import flags

from checkpoints_tools.cli.common import UserError, run_reporting_user_errors
from checkpoints_tools.names import classify_training_state
from checkpoints_tools.reader import TF1Checkpoint


def inspect_checkpoint(*, checkpoint, name_filter="", with_training_state=True, out=None):
    """Writes the listing of `checkpoint` to `out`; returns the number of weights listed."""
    out = out or sys.stdout
    try:
        pattern = re.compile(name_filter) if name_filter else None
    except re.error as error:
        raise UserError(f"--filter: {name_filter!r} is not a valid regular expression "
                        f"({error}).") from None
    reader = TF1Checkpoint(checkpoint)
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
    print(f"{'name':{width}s}  {'shape':16s} {'dtype':8s} {'params':>12s} {'bytes':>12s}  note",
          file=out)
    for name, shape, dtype, count, size, note in rows:
        print(f"{name:{width}s}  {shape:16s} {dtype:8s} {count:12,d} {size:12,d}  {note}", file=out)
    for label, (count, params, size) in totals.items():
        print(f"{label}: {count} tensors, {params:,} parameters, {size:,} bytes", file=out)
    return totals["weights"][0]


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    inspect_checkpoint(checkpoint=flags.FLAGS.checkpoint, name_filter=flags.FLAGS.filter,
                       with_training_state=flags.FLAGS.with_training_state)


def run():
    """Console-script entry point."""
    flags.DEFINE_string("checkpoint", None, "TF1 checkpoint prefix, directory or V1 file.",
                        required=True)
    flags.DEFINE_string("filter", "", "Only list tensors whose name matches this regex.")
    flags.DEFINE_boolean("with_training_state", True,
                         "Also list optimizer slots, global_step and training bookkeeping.")
    app.run(lambda argv: run_reporting_user_errors("tf1track-inspect", main, argv))


if __name__ == "__main__":
    run()
