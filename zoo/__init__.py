"""zoo: classic TF1 models ported as tracked Keras layers, by registry name."""

from zoo.registry import build
from zoo.registry import names
from zoo.registry import register

# Model families (importing registers them).
from zoo import official_resnet  # noqa: E402,F401
from zoo.bert import modeling as _bert  # noqa: E402,F401
from zoo.nmt import model as _nmt  # noqa: E402,F401
from zoo.slim import resnet_model as _slim_resnets  # noqa: E402,F401
from zoo.t2t import transformer as _t2t_transformer  # noqa: E402,F401
