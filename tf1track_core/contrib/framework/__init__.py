"""`tf.contrib.framework` of TF 1.15: what model code used (`nest`, `arg_scope`, variables).

`nest` is TensorFlow's `nest` plus TF1's `is_sequence` (TF2 renamed it
`is_nested`); the variable and global-step helpers follow TF 1.15; `sort`,
`argsort`, `smart_cond`, checkpoint readers and `deprecated` are TensorFlow's.
"""

import types

import tensorflow as tf
from tensorflow.python.framework import smart_cond as _smart_cond
from tensorflow.python.util import deprecation as _deprecation
from tensorflow.python.util import nest as _tf_nest

from tf1track_core.contrib.framework.arg_scope import add_arg_scope
from tf1track_core.contrib.framework.arg_scope import arg_scope
from tf1track_core.contrib.framework.arg_scope import arg_scope_func_key
from tf1track_core.contrib.framework.arg_scope import arg_scoped_arguments
from tf1track_core.contrib.framework.arg_scope import current_arg_scope
from tf1track_core.contrib.framework.arg_scope import has_arg_scope
from tf1track_core.contrib.framework.variables import add_model_variable
from tf1track_core.contrib.framework.variables import get_local_variables
from tf1track_core.contrib.framework.variables import get_model_variables
from tf1track_core.contrib.framework.variables import get_trainable_variables
from tf1track_core.contrib.framework.variables import get_unique_variable
from tf1track_core.contrib.framework.variables import get_variable_full_name
from tf1track_core.contrib.framework.variables import get_variables
from tf1track_core.contrib.framework.variables import get_variables_by_name
from tf1track_core.contrib.framework.variables import get_variables_by_suffix
from tf1track_core.contrib.framework.variables import get_variables_to_restore
from tf1track_core.contrib.framework.variables import global_variable
from tf1track_core.contrib.framework.variables import local_variable
from tf1track_core.contrib.framework.variables import model_variable
from tf1track_core.contrib.framework.variables import variable
from tf1track_core.missing import missing_names_getattr


def _nest_module():
    module = types.ModuleType("tf.contrib.framework.nest", _tf_nest.__doc__)
    for name in dir(_tf_nest):
        if not name.startswith("_"):
            setattr(module, name, getattr(_tf_nest, name))
    module.is_sequence = _tf_nest.is_nested  # TF1's name (TF 2 renamed it)
    return module


nest = _nest_module()

get_global_step = tf.compat.v1.train.get_global_step
get_or_create_global_step = tf.compat.v1.train.get_or_create_global_step
create_global_step = tf.compat.v1.train.create_global_step
assert_global_step = tf.compat.v1.train.assert_global_step
sort = tf.sort
argsort = tf.argsort
smart_cond = _smart_cond.smart_cond
smart_constant_value = _smart_cond.smart_constant_value
smart_case = _smart_cond.smart_case
is_tensor = tf.is_tensor
deprecated = _deprecation.deprecated
deprecated_args = _deprecation.deprecated_args
deprecated_arg_values = _deprecation.deprecated_arg_values
load_checkpoint = tf.train.load_checkpoint
list_variables = tf.train.list_variables
load_variable = tf.train.load_variable
init_from_checkpoint = tf.compat.v1.train.init_from_checkpoint
py_func = tf.compat.v1.py_func


def get_name_scope():
    """The current name scope, without a trailing '/' (eager or graph)."""
    return tf.get_current_name_scope()


__getattr__ = missing_names_getattr(__name__, "tf.contrib.framework")
