"""checkpoints_tools: read TF1 checkpoints, load them by name, convert them, check parity."""

from checkpoints_tools.converter import export_tf2
from checkpoints_tools.converter import run_saved_model
from checkpoints_tools.converter import save_tf1_checkpoint
from checkpoints_tools.goldens import Golden
from checkpoints_tools.goldens import GoldenError
from checkpoints_tools.goldens import ParityReport
from checkpoints_tools.goldens import check_parity
from checkpoints_tools.goldens import read_golden
from checkpoints_tools.goldens import record_tf1_golden
from checkpoints_tools.loader import CheckpointLoadError
from checkpoints_tools.loader import LoadReport
from checkpoints_tools.loader import Mismatch
from checkpoints_tools.loader import Translation
from checkpoints_tools.loader import load_tf1_checkpoint
from checkpoints_tools.names import NameMap
from checkpoints_tools.names import classify_training_state
from checkpoints_tools.reader import CheckpointError
from checkpoints_tools.reader import TF1Checkpoint
from checkpoints_tools.reader import TensorInfo
from checkpoints_tools.reader import list_tf1_checkpoint
from checkpoints_tools.reader import resolve_checkpoint_path
