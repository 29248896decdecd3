"""Records golden directories from the real TF-Slim 1.1.0 ResNets (TF1 graph mode).

Not the port: this runs `tf_slim.nets.resnet_v1` / `resnet_v2` under
`resnet_arg_scope()` in a `tf.compat.v1.Session`, with every variable set to
seeded random values, and writes DESIGN.md golden directories (checkpoint,
inputs, outputs, meta.json) with `checkpoints_tools.record_tf1_golden`. Needs
tensorflow 2.21, tf-keras 2.21 and tf-slim 1.1.0:

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_slim_resnet_goldens.py [--full] [--out DIR]

By default it writes the small committed goldens (custom small blocks, 64x64
inputs) to tests/goldens/slim_resnet/; `--full` writes resnet_v1_50 and
resnet_v2_50 at 224x224 instead (used by the slow test). tf-slim 1.1.0 has no
`spatial_squeeze`, so the goldens use `spatial_squeeze=False` (logits stay
[batch, 1, 1, classes]).
"""

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import tf_keras.src.legacy_tf_layers  # noqa: E402  (tf-slim imports tf_keras.legacy_tf_layers)

sys.modules.setdefault("tf_keras.legacy_tf_layers", tf_keras.src.legacy_tf_layers)
import tf_slim  # noqa: E402
from tf_slim.nets import resnet_utils, resnet_v1, resnet_v2  # noqa: E402

from checkpoints_tools.goldens import record_tf1_golden  # noqa: E402

SMALL_BLOCKS = [["block1", 4, 2, 2], ["block2", 8, 2, 2], ["block3", 8, 2, 1]]
SMALL_CASES = {
    # name: (version, config for zoo.build, training, input size)
    "resnet_v1_small_inference": (1, dict(blocks=SMALL_BLOCKS, num_classes=5), False, 64),
    "resnet_v1_small_training": (1, dict(blocks=SMALL_BLOCKS, num_classes=5), True, 64),
    "resnet_v2_small_inference": (2, dict(blocks=SMALL_BLOCKS, num_classes=5), False, 64),
    "resnet_v2_small_training": (2, dict(blocks=SMALL_BLOCKS, num_classes=5), True, 64),
    "resnet_v1_small_output_stride_8": (
        1, dict(blocks=SMALL_BLOCKS, num_classes=None, global_pool=False, output_stride=8),
        False, 64),
    "resnet_v1_small_no_gamma_training": (
        1, dict(blocks=SMALL_BLOCKS, num_classes=5, batch_norm_scale=False,
                batch_norm_epsilon=1e-3, weight_decay=4e-5), True, 48),
    "resnet_v2_small_no_root_odd_size": (
        2, dict(blocks=SMALL_BLOCKS, num_classes=3, include_root_block=False, scope="tower"),
        True, 33),
}
# Keys of a case's config that go to resnet_arg_scope() (and to zoo.build).
ARG_SCOPE_KEYS = ("weight_decay", "batch_norm_decay", "batch_norm_epsilon", "batch_norm_scale")
FULL_CASES = {
    "resnet_v1_50_full": (1, dict(num_classes=1000), False, 224),
    "resnet_v2_50_full": (2, dict(num_classes=1000), False, 224),
}


def slim_forward(version, config, training):
    """The TF1 graph builder for one case, from tf-slim's own nets."""
    config = dict(config)
    blocks = config.pop("blocks", None)
    scope = config.pop("scope", None)
    arg_scope = {key: config.pop(key) for key in ARG_SCOPE_KEYS if key in config}

    def build(images):
        module = resnet_v1 if version == 1 else resnet_v2
        with tf_slim.arg_scope(resnet_utils.resnet_arg_scope(**arg_scope)):
            if blocks is None:
                net_fn = getattr(module, f"resnet_v{version}_50")
                net, end_points = net_fn(images, is_training=training, **config)
            else:
                block_fn = getattr(module, f"resnet_v{version}_block")
                net_fn = getattr(module, f"resnet_v{version}")
                net, end_points = net_fn(images, [block_fn(*b) for b in blocks],
                                         is_training=training, scope=scope, **config)
        outputs = {"logits": net}
        outputs.update({k: v for k, v in end_points.items()
                        if k.endswith(("block1", "block2", "block3", "block4"))
                        or k == "predictions"})
        return outputs

    return build


def record(directory, name, version, config, training, size, seed):
    model = (f"resnet_v{version}" if "blocks" in config else f"resnet_v{version}_50")
    images = np.random.default_rng(seed).uniform(0, 1, size=(2, size, size, 3))
    port_config = dict(config, spatial_squeeze=False)
    golden = record_tf1_golden(
        directory / name, slim_forward(version, config, training),
        {"images": images.astype(np.float32)}, model=model, config=port_config,
        call={"training": training, "return_end_points": True},
        source=f"tf-slim {tf_slim.__version__ if hasattr(tf_slim, '__version__') else '1.1.0'} "
               f"tf_slim.nets.resnet_v{version} under resnet_arg_scope(), TF1 graph mode "
               "(tests/goldens/record_slim_resnet_goldens.py)",
        randomize_seed=seed, atol_from_scale=1e-4, rtol=1e-4,
        initialize=he_scaled_weights(seed), record_state=True)
    # Tolerance: 1e-4 of each output's own scale (predictions are near 1,
    # block activations up to thousands).
    print("recorded", golden, "outputs", sorted(np.load(golden / "outputs.npz").files))
    if training and not args_full():
        record_gradients(golden, version, config, images.astype(np.float32), seed)


def he_scaled_weights(seed):
    """Rescales random conv weights to He scale, keeping activations near 1.

    N(0, 1) weights grow activations by about sqrt(fan_in) a layer: 50 layers
    overflow, and even the small nets reach 1e8, where float32 rounding (which
    differs between CPUs and kernels, in TF1 too) exceeds a tolerance tied to
    the smallest output's scale.
    """
    def initialize(session):
        rng = np.random.default_rng(seed + 1000)
        for variable in tf.compat.v1.global_variables():
            if variable.op.name.endswith("/weights"):
                shape = variable.shape.as_list()
                fan_in = int(np.prod(shape[:-1]))
                value = rng.normal(size=shape) * np.sqrt(2.0 / fan_in)
                variable.load(value.astype(np.float32), session)
    return initialize


def args_full():
    return "--full" in sys.argv


def record_gradients(golden, version, config, images, seed):
    """gradients.npz: d(sum(logits * w))/d(variable) for every trainable variable, by name.

    Rebuilt from the golden's own checkpoint, so the values are the recorded ones.
    """
    graph = tf.Graph()
    with graph.as_default():
        logits = slim_forward(version, config, True)(tf.constant(images))["logits"]
        weights = np.random.default_rng(seed + 100).normal(
            size=logits.shape.as_list()).astype(np.float32)
        trainable = tf.compat.v1.trainable_variables()
        grads = tf.gradients(tf.reduce_sum(logits * weights), trainable)
        with tf.compat.v1.Session(graph=graph) as session:
            tf.compat.v1.train.Saver().restore(session, str(golden / "model.ckpt"))
            values = session.run(grads)
    np.savez(golden / "gradients.npz", loss_weights=weights,
             **{v.op.name: g for v, g in zip(trainable, values)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "tests" / "goldens" / "slim_resnet"))
    args = parser.parse_args()
    cases = FULL_CASES if args.full else SMALL_CASES
    for seed, (name, (version, config, training, size)) in enumerate(sorted(cases.items())):
        record(pathlib.Path(args.out), name, version, config, training, size, seed)


if __name__ == "__main__":
    main()
