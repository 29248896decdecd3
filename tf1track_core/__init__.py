"""tf1track_core: TF1-style variables (`get_variable`, `variable_scope`) on TF2 and Keras 3.

The public surface at a glance; see each name's docstring.
"""

from tf1track_core.decorator import get_or_create_layer
from tf1track_core.decorator import track_tf1_style_variables
from tf1track_core.inspection import regularization_losses
from tf1track_core.inspection import tf1_name
from tf1track_core.inspection import tf1_variables
from tf1track_core.install import install
from tf1track_core.scope_layers import VariableScopeLayer
from tf1track_core.scope_layers import VariableScopeModule

# The TF1 API families are attributes of the package, as DESIGN.md promises.
from tf1track_core import layers  # noqa: E402  pylint: disable=wrong-import-position
from tf1track_core import rnn_cell  # noqa: E402  pylint: disable=wrong-import-position
from tf1track_core import seq2seq  # noqa: E402  pylint: disable=wrong-import-position

__all__ = [
    "VariableScopeLayer",
    "VariableScopeModule",
    "get_or_create_layer",
    "install",
    "layers",
    "regularization_losses",
    "rnn_cell",
    "seq2seq",
    "tf1_name",
    "tf1_variables",
    "track_tf1_style_variables",
]
