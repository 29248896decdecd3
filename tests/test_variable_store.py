"""TF1 `get_variable` semantics inside a tracked method (eager unless stated)."""

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
from tracked_runner import Runner
from tf1track_core import tf1_name, tf1_variables, track_tf1_style_variables

v1 = tf.compat.v1


def test_full_scope_path_is_the_name_and_later_calls_reuse():
    def fn():
        with v1.variable_scope("outer"):
            with v1.variable_scope("inner"):
                return v1.get_variable("w", [2, 3])

    runner = Runner(fn)
    first = runner()
    second = runner()
    assert first is second
    assert tf1_name(first) == "outer/inner/w"
    assert first.name == "outer/inner/w:0"
    assert list(tf1_variables(runner)) == ["outer/inner/w"]
    assert len(runner.variables) == 1


def test_reuse_true_for_missing_name_raises_naming_it_eager_and_in_tf_function():
    def fn():
        with v1.variable_scope("block", reuse=True):
            return v1.get_variable("never_created", [2])

    with pytest.raises(ValueError, match="block/never_created does not exist"):
        Runner(fn)()
    with pytest.raises(ValueError, match="block/never_created does not exist"):
        tf.function(Runner(fn))()


def test_reuse_true_is_inherited_by_sub_scopes_and_reuse_variables():
    def fn():
        with v1.variable_scope("a"):
            created = v1.get_variable("w", [2])
        with v1.variable_scope("a", reuse=True):
            with v1.variable_scope("b"):
                with pytest.raises(ValueError, match="a/b/w does not exist"):
                    v1.get_variable("w", [2])
            reused = v1.get_variable("w", [2])
        with v1.variable_scope("c") as scope:
            scope.reuse_variables()
            with pytest.raises(ValueError, match="c/x does not exist"):
                v1.get_variable("x", [1])
        return created, reused

    created, reused = Runner(fn)()
    assert created is reused


def test_reuse_true_outside_tracked_code_keeps_tensorflows_eager_behaviour():
    with v1.variable_scope("plain", reuse=True) as scope:
        assert scope.reuse is v1.AUTO_REUSE


def test_shape_mismatch_raises_naming_variable_and_both_shapes():
    def fn(shape):
        return v1.get_variable("w", shape)

    runner = Runner(fn)
    runner([2, 3])
    with pytest.raises(ValueError, match=r"share variable w, but specified shape \(3, 3\) "
                                         r"and found shape \(2, 3\)"):
        runner([3, 3])


def test_dtype_mismatch_raises_naming_variable_and_both_dtypes():
    def fn(dtype):
        return v1.get_variable("w", [2], dtype=dtype)

    runner = Runner(fn)
    runner(tf.float32)
    with pytest.raises(ValueError, match="share variable w, but specified dtype int32 "
                                         "and found dtype float32"):
        runner(tf.int32)


def test_auto_reuse_shares_within_one_call():
    def fn():
        made = []
        for _ in range(3):
            with v1.variable_scope("shared", reuse=v1.AUTO_REUSE):
                made.append(v1.get_variable("w", [4]))
        return made

    made = Runner(fn)()
    assert made[0] is made[1] is made[2]


def test_scope_level_settings_are_inherited():
    calls = []

    def custom_getter(getter, name, *args, **kwargs):
        calls.append(name)
        return getter(name, *args, **kwargs)

    def clip(x):
        return tf.clip_by_value(x, -1.0, 1.0)

    def fn():
        with v1.variable_scope("s", initializer=v1.constant_initializer(3.0),
                               regularizer=lambda w: tf.reduce_sum(w) * 0.5,
                               dtype=tf.float64, constraint=clip, custom_getter=custom_getter):
            direct = v1.get_variable("direct", [1])
            # As in TF1, sub-scopes inherit all of these but the constraint.
            with v1.variable_scope("child"):
                return direct, v1.get_variable("w", [2])

    runner = Runner(fn)
    direct, w = runner()
    assert w.dtype == tf.float64 and direct.dtype == tf.float64
    np.testing.assert_array_equal(w.numpy(), [3.0, 3.0])
    assert direct.constraint is clip and w.constraint is None
    assert calls == ["s/direct", "s/child/w"]
    losses = tf1track_core.regularization_losses(runner)
    assert [float(loss) for loss in losses] == [1.5, 3.0]


@pytest.mark.parametrize("initializer, expected", [
    (v1.ones_initializer, [1.0, 1.0, 1.0]),  # a class
    (v1.constant_initializer(2.5), [2.5, 2.5, 2.5]),  # an instance
    (lambda shape, dtype=None, partition_info=None: tf.fill(shape, 4.0), [4.0, 4.0, 4.0]),
    (tf.keras.initializers.Constant(5.0), [5.0, 5.0, 5.0]),  # a Keras 3 initializer
])
def test_initializer_kinds_with_shape(initializer, expected):
    w = Runner(lambda: v1.get_variable("w", [3], initializer=initializer))()
    np.testing.assert_array_equal(w.numpy(), expected)


@pytest.mark.parametrize("value, expected_dtype", [
    (7.0, tf.float32),
    (np.array([[1.0, 2.0]], dtype=np.float32), tf.float32),
    (np.array([1, 2, 3], dtype=np.int64), tf.int64),
    (tf.constant([1.5, 2.5]), tf.float32),
])
def test_constant_and_numpy_initializers_without_shape(value, expected_dtype):
    w = Runner(lambda: v1.get_variable("w", initializer=value))()
    assert w.dtype == expected_dtype
    np.testing.assert_array_equal(w.numpy(), np.asarray(value))


@pytest.mark.parametrize("shape", [[2], [3], []])
def test_constant_initializer_with_any_shape_raises_as_tf1(shape):
    # TF1: "If initializer is a constant, do not specify shape." (even a matching one).
    with pytest.raises(ValueError, match="Variable w: if initializer is a constant, do not "
                                         "specify shape"):
        Runner(lambda: v1.get_variable("w", shape, initializer=np.ones([2], np.float32)))()


@pytest.mark.parametrize("value", [1, np.arange(3, dtype=np.int64), np.ones([2], np.float64),
                                   tf.constant([True, False])])
def test_constant_initializers_of_other_dtypes_find_their_variable_on_later_calls(value):
    runner = Runner(lambda: v1.get_variable("t", initializer=value))
    first = runner()
    assert runner() is first


def test_default_initializers_glorot_uniform_for_floats_zeros_otherwise():
    def fn():
        return (v1.get_variable("f", [300, 200]),
                v1.get_variable("i", [4], dtype=tf.int32),
                v1.get_variable("b", [2], dtype=tf.bool),
                v1.get_variable("s", [2], dtype=tf.string))

    f, i, b, s = Runner(fn)()
    limit = np.sqrt(6.0 / (300 + 200))
    values = f.numpy()
    assert np.abs(values).max() <= limit
    # Uniform on [-limit, limit]: std limit / sqrt(3), and not a constant.
    np.testing.assert_allclose(values.std(), limit / np.sqrt(3), rtol=0.02)
    np.testing.assert_array_equal(i.numpy(), [0, 0, 0, 0])
    np.testing.assert_array_equal(b.numpy(), [False, False])
    np.testing.assert_array_equal(s.numpy(), [b"", b""])


def test_missing_shape_without_initializer_names_the_variable():
    with pytest.raises(ValueError, match="Variable nowhere did not get an initializer"):
        Runner(lambda: v1.get_variable("nowhere"))()


def test_non_trainable_and_on_read_variables():
    def fn():
        return (v1.get_variable("frozen", [2], trainable=False),
                v1.get_variable("on_read", [2],
                                synchronization=tf.VariableSynchronization.ON_READ,
                                aggregation=tf.VariableAggregation.MEAN),
                v1.get_variable("normal", [2]))

    runner = Runner(fn)
    frozen, on_read, normal = runner()
    assert not frozen.trainable and not on_read.trainable and normal.trainable
    assert [tf1_name(v) for v in runner.trainable_variables] == ["normal"]


def test_partitioner_creates_tf1_parts_and_returns_their_concatenation():
    values = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)

    def fn():
        with v1.variable_scope("emb", partitioner=v1.fixed_size_partitioner(3)):
            return v1.get_variable("table", initializer=values)

    runner = Runner(fn)
    table = runner()
    assert list(tf1_variables(runner)) == ["emb/table/part_0", "emb/table/part_1",
                                           "emb/table/part_2"]
    assert [tuple(p.shape) for p in tf1_variables(runner).values()] == [(4, 3), (3, 3), (3, 3)]
    np.testing.assert_array_equal(tf.convert_to_tensor(table).numpy(), values)
    np.testing.assert_array_equal(
        tf.nn.embedding_lookup(table, [0, 9]).numpy(), values[[0, 9]])
    # The parts carry TF1's save-slice info: full name, full shape, offset.
    info = tf1_variables(runner)["emb/table/part_1"]._get_save_slice_info()
    assert (info.full_name, info.full_shape, info.var_offset) == ("emb/table", [10, 3], [4, 0])
    assert runner() is table


def test_unpartitioned_request_for_a_partitioned_name_is_an_error():
    def fn():
        v1.get_variable("t", [4, 2], partitioner=v1.fixed_size_partitioner(2))
        return v1.get_variable("t", [4, 2])

    with pytest.raises(ValueError, match="partitioned version of the variable was found: t/part_0"):
        Runner(fn)()


def test_default_names_are_the_same_on_every_call():
    def fn():
        names = []
        for _ in range(2):
            with v1.variable_scope(None, default_name="block"):
                names.append(tf1_name(v1.get_variable("w", [1])))
        return names

    runner = Runner(fn)
    assert runner() == ["block/w", "block_1/w"]
    assert runner() == ["block/w", "block_1/w"]
    assert runner() == ["block/w", "block_1/w"]
    assert list(tf1_variables(runner)) == ["block/w", "block_1/w"]
    # A second object built the same way gets the same names (a fresh graph).
    assert Runner(fn)() == ["block/w", "block_1/w"]


def test_sibling_tracked_objects_inside_one_call_get_distinct_default_names():
    class Block(tf.Module):
        @track_tf1_style_variables
        def __call__(self):
            with v1.variable_scope(None, default_name="block"):
                return tf1_name(v1.get_variable("w", [1]))

    class Tower(tf.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [Block(), Block()]

        @track_tf1_style_variables
        def __call__(self):
            return [block() for block in self.blocks]

    tower = Tower()
    assert tower() == ["block/w", "block_1/w"]
    assert tower() == ["block/w", "block_1/w"]
    assert list(tf1_variables(tower)) == ["block/w", "block_1/w"]


def test_make_template_inside_a_tracked_method():
    def dense(x):
        return tf.matmul(x, v1.get_variable("kernel", [x.shape[-1], 3]))

    def fn(x):
        template = v1.make_template("shared_dense", dense)
        return template(template(x[:, :3]))

    runner = Runner(fn)
    x = tf.ones([2, 3])
    first = runner(x)
    second = runner(x)
    assert list(tf1_variables(runner)) == ["shared_dense/kernel"]
    np.testing.assert_allclose(first.numpy(), second.numpy())


def test_decorating_a_plain_object_raises_type_error_saying_what_to_do():
    class NotALayer:
        @track_tf1_style_variables
        def call(self):
            return v1.get_variable("w", [1])

    with pytest.raises(TypeError, match="keras.layers.Layer, keras.Model or tf.Module"):
        NotALayer().call()


def test_any_method_of_a_module_can_be_tracked():
    class TwoHeads(tf.Module):
        @track_tf1_style_variables
        def encode(self, x):
            return tf.matmul(x, v1.get_variable("enc/kernel", [2, 2]))

        @track_tf1_style_variables
        def decode(self, x):
            return tf.matmul(self.encode(x), v1.get_variable("dec/kernel", [2, 1]))

    module = TwoHeads()
    module.decode(tf.ones([1, 2]))
    module.encode(tf.ones([1, 2]))
    assert list(tf1_variables(module)) == ["enc/kernel", "dec/kernel"]


def test_module_checkpoint_round_trip(tmp_path):
    class Model(tf.Module):
        @track_tf1_style_variables
        def __call__(self, x):
            with v1.variable_scope("dense"):
                return tf.matmul(x, v1.get_variable("kernel", [2, 2]))

    module = Model()
    module(tf.ones([1, 2]))
    kernel = tf1_variables(module)["dense/kernel"]
    saved = kernel.numpy()
    path = tf.train.Checkpoint(model=module).write(str(tmp_path / "ckpt"))
    kernel.assign(tf.zeros([2, 2]))
    tf.train.Checkpoint(model=module).read(path).assert_consumed()
    np.testing.assert_array_equal(kernel.numpy(), saved)
