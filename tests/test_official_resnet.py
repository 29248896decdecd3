"""zoo.official_resnet against the real TF 1.8 reference data of tensorflow/models.

Each case of `official_resnet_reference/` holds a TF1 Saver checkpoint with the
block's input (variable `input_tensor`) and its variables, and `results.json`:
input and output shape, then first element, last element and sum. The block is
rebuilt here with the same block function, loaded strictly by name, and run
with training=True (batch statistics), as upstream's layer_test.py did.
"""

import json

import numpy as np
import pytest
import tensorflow as tf

import tf1track_core
import zoo
from checkpoints_tools import list_tf1_checkpoint, load_tf1_checkpoint
from fixture_paths import tf1_real
from tracked_runner import Runner
from zoo import official_resnet

v1 = tf.compat.v1
BLOCK_CASES = [
    dict(bottleneck=b, projection=p, version=v)
    for b in (True, False) for p in (True, False) for v in (1, 2)
]


def case_name(bottleneck, projection, version):
    return "batch-size-32_{}{}_version-{}_width-8_channels-4".format(
        "bottleneck" if bottleneck else "building", "_projection" if projection else "", version)


def block_forward(bottleneck, projection, version, input_shape):
    """layer_test.py's graph: the block applied to the `input_tensor` variable."""
    block_fn = {(True, 1): official_resnet.bottleneck_block_v1,
                (True, 2): official_resnet.bottleneck_block_v2,
                (False, 1): official_resnet.building_block_v1,
                (False, 2): official_resnet.building_block_v2}[(bottleneck, version)]
    strides, channels_out, projection_shortcut = 1, input_shape[-1], None
    if projection:
        strides = 2
        channels_out *= strides

        def projection_shortcut(inputs):
            return official_resnet.conv2d_fixed_padding(inputs, channels_out, 1, strides,
                                                        "channels_last")
    filters = channels_out // 4 if bottleneck else channels_out

    def forward():
        input_tensor = v1.get_variable("input_tensor", input_shape, tf.float32)
        return block_fn(inputs=input_tensor, filters=filters, training=True,
                        projection_shortcut=projection_shortcut, strides=strides,
                        data_format="channels_last")

    return forward


def check_against_results(output, results_path):
    results = json.loads(results_path.read_text())
    rank = output.ndim
    out_spec = results[rank + 3:]  # after the input's shape, first, last, sum
    assert list(output.shape) == out_spec[:rank]
    atol = 1e-4 * np.abs(output).max()
    np.testing.assert_allclose([output.flat[0], output.flat[-1]], out_spec[rank:rank + 2],
                               rtol=1e-4, atol=atol)
    # A sum that cancels (training-mode batch norm's output sums to ~0) keeps
    # only float32 rounding noise, which grows with the sum of magnitudes and
    # with the summation order (TF1's kernels vs today's): tolerate 1e-5 of it.
    np.testing.assert_allclose(output.sum(), out_spec[rank + 2], rtol=1e-4,
                               atol=max(atol, 1e-5 * np.abs(output).sum()))


@pytest.mark.parametrize("case", BLOCK_CASES, ids=lambda c: case_name(**c))
def test_block_matches_tf1_reference(case):
    directory = tf1_real("official_resnet_reference", case_name(**case))
    prefix = str(directory / "model.ckpt")
    input_shape = dict((n, s) for n, s, _ in list_tf1_checkpoint(prefix))["input_tensor"]
    module = Runner(block_forward(**case, input_shape=list(input_shape)))
    module()  # creates the variables, with TF1's names
    report = load_tf1_checkpoint(module, prefix)  # strict: every name must match
    assert report.ok and len(report.loaded) == len(list_tf1_checkpoint(prefix))
    check_against_results(module().numpy(), directory / "results.json")


def test_batch_norm_matches_tf1_reference():
    directory = tf1_real("official_resnet_reference", "batch_norm")

    def forward():
        input_tensor = v1.get_variable("input_tensor", [32, 16, 16, 3], tf.float32)
        return official_resnet.batch_norm(input_tensor, training=True,
                                          data_format="channels_last")

    module = Runner(forward)
    module()
    load_tf1_checkpoint(module, str(directory / "model.ckpt"))
    check_against_results(module().numpy(), directory / "results.json")


@pytest.mark.parametrize("version", [1, 2])
def test_full_model_names_and_end_points(version):
    model = zoo.build("official_resnet", resnet_size=18, num_classes=10, resnet_version=version)
    out = model(np.zeros([2, 32, 32, 3], np.float32), return_end_points=True)
    names = list(tf1track_core.tf1_variables(model))
    assert names[0] == "resnet_model/conv2d/kernel"
    assert names[-2:] == ["resnet_model/dense/kernel", "resnet_model/dense/bias"]
    convs = [n for n in names if n.endswith("/kernel") and "conv2d" in n]
    # Stem, 8 building blocks x 2 convs, and a projection in every block layer
    # (upstream always projects in the first block of a layer).
    assert len(convs) == 1 + 8 * 2 + 4
    assert out["logits"].shape == (2, 10)
    assert out["block_layer4"].shape == (2, 1, 1, 512)
    assert set(out) == {"logits", "initial_conv", "initial_max_pool", "block_layer1",
                        "block_layer2", "block_layer3", "block_layer4", "final_reduce_mean"}
