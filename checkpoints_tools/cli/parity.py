"""tf1track-parity: check a zoo model against a golden directory of recorded TF1 outputs.

    tf1track-parity --golden=DIR

Builds `zoo.build(meta["model"], **meta["config"])`, loads the golden's TF1
checkpoint strictly by name, runs the model on the recorded inputs and prints
one row per output (shape, max abs error, max rel error, pass). Exits 0 if
every output matches within the golden's tolerance, 1 if one does not, 2 for
bad input (a missing or malformed golden, an unknown model).
"""

import sys

from absl import flags

import zoo
from checkpoints_tools.cli.common import run_app
from checkpoints_tools.goldens import check_parity, read_golden


def check_golden(*, golden, out=None):
    """Builds the golden's model, checks parity, prints the table; returns the report."""
    out = out or sys.stdout
    meta = read_golden(golden).meta  # validates the files before building anything
    model = zoo.build(meta["model"], **meta["config"])
    report = check_parity(model, golden)
    print(f"golden: {golden}  model: {meta['model']}  source: {meta.get('source', '?')}", file=out)
    print(report.table(), file=out)
    return report


def main(argv):
    """absl entry point: runs the binary with the parsed flags."""
    del argv  # flags only (checked by run_reporting_user_errors)
    report = check_golden(golden=flags.FLAGS.golden)
    return 0 if report.passed else 1


def run():
    """Console-script entry point."""
    flags.DEFINE_string("golden", None, "Golden directory (DESIGN.md format).", required=True)
    run_app("tf1track-parity", __name__, main, user_error_exit=2)


if __name__ == "__main__":
    run()
