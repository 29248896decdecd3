"""tf.contrib.framework's variable helpers, arg_scope and nest, as TF 1.15 had them."""

import pytest
import tensorflow as tf

from tf1track_core.contrib import framework
from tracked_runner import Runner

v1 = tf.compat.v1


def _build():
    with v1.variable_scope("net"):
        framework.model_variable("weights", [2, 2])
        with v1.variable_scope("logits"):
            framework.model_variable("weights", [2, 2])
            framework.variable("biases", [2], collections=[])
        framework.local_variable(0.0, name="counter")
    return {
        "restore": [v.name for v in framework.get_variables_to_restore(exclude=["net/logits"])],
        "by_name": [v.name for v in framework.get_variables_by_name("weights")],
        "model": [v.name for v in framework.get_model_variables()],
        "unique": framework.get_unique_variable("net/logits/weights").name,
        "local": [v.name for v in framework.get_local_variables()],
        "global": [v.name for v in v1.global_variables()],
    }


def test_variable_helpers_read_the_tracked_call_collections():
    found = Runner(_build)()
    assert found["restore"] == ["net/weights:0"]  # same-shaped variables told apart by identity
    assert found["by_name"] == ["net/weights:0", "net/logits/weights:0"]
    assert found["model"] == ["net/weights:0", "net/logits/weights:0"]
    assert found["unique"] == "net/logits/weights:0"
    assert found["local"] == ["net/counter:0"]
    assert "net/logits/biases:0" not in found["global"]  # collections=[]: in none


def test_get_variables_to_restore_refuses_a_string_scope():
    with pytest.raises(TypeError, match="exclude is provided but is not a list or a tuple"):
        Runner(lambda: framework.get_variables_to_restore(exclude="net"))()


def test_arg_scope_reenters_a_saved_scope_and_rejects_undecorated_functions():
    @framework.add_arg_scope
    def layer(x, depth=1):
        return x * depth

    with framework.arg_scope([layer], depth=3) as saved:
        pass
    with framework.arg_scope(saved):
        assert layer(2) == 6 and layer(2, depth=5) == 10
    assert layer(2) == 2
    assert framework.has_arg_scope(layer) and framework.arg_scoped_arguments(layer) == ("depth",)
    with pytest.raises(ValueError, match="is not decorated with @add_arg_scope"):
        with framework.arg_scope([len], depth=3):
            pass
