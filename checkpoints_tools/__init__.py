"""checkpoints_tools: read TF1 checkpoints, load them by name, convert them, check parity."""

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
