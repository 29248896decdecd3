"""ResNet-50 training step and forward pass: zoo vs Keras 3 vs TF-Slim in a TF1 Session.

All three do the same work: batch 8 of 224x224x3 images, 1000 classes, softmax
cross-entropy (+ the L2 regularization the model defines), one plain SGD
update of every trainable variable, batch norm in training mode for the step
and in inference mode for the forward pass:

* zoo `resnet_v1_50` (tracked TF1 code on Keras 3) inside `tf.function`;
* `keras.applications.ResNet50(weights=None)` inside `tf.function`;
* TF-Slim's own `resnet_v1_50` in a `tf.compat.v1.Session` (needs tf-slim 1.1.0
  and tf-keras; run in a subprocess with TF_USE_LEGACY_KERAS=1, from this
  Python if it has them, else from $TF1TRACK_TF1_PYTHON; skipped otherwise).

Prints median seconds over --rounds and the ratios. Targets: zoo <= 1.05x the
TF1 Session, and faster than Keras 3.

Run: python benchmarks/resnet_step.py [--rounds 7]
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from timing import median_seconds, run_tf1_side  # noqa: E402  (benchmarks/ is the script's directory)

BATCH, SIZE, CLASSES, LEARNING_RATE = 8, 224, 1000, 0.01


def _data(np):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, size=(BATCH, SIZE, SIZE, 3)).astype(np.float32)
    labels = rng.integers(0, CLASSES, size=(BATCH,)).astype(np.int32)
    return images, labels


def measure_tf2(rounds):
    """Medians for the zoo and Keras 3 models: {name: {"step": s, "forward": s}}."""
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo

    images, labels = _data(np)
    images, labels = tf.constant(images), tf.constant(labels)

    def make(model, forward_fn):
        variables = model.trainable_variables

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                logits = forward_fn(images, True)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=labels, logits=logits))
                if model.losses:
                    loss += tf.add_n(model.losses)
            grads = tape.gradient(loss, variables)
            for variable, grad in zip(variables, grads):
                variable.assign_sub(LEARNING_RATE * grad)
            return loss

        @tf.function
        def forward():
            return forward_fn(images, False)

        return (lambda: step().numpy()), (lambda: forward().numpy())

    zoo_model = zoo.build("resnet_v1_50", num_classes=CLASSES)
    zoo_model(images[:1])
    keras_model = keras.applications.ResNet50(weights=None, classes=CLASSES,
                                              classifier_activation=None)
    runs = {
        "zoo resnet_v1_50": make(zoo_model, lambda x, t: zoo_model(x, training=t)),
        "keras ResNet50": make(keras_model, lambda x, t: keras_model(x, training=t)),
    }
    return {name: {"step": median_seconds(step, rounds),
                   "forward": median_seconds(forward, rounds)}
            for name, (step, forward) in runs.items()}


def measure_tf1_session(rounds):
    """Medians for tf-slim's resnet_v1_50 in a TF1 Session (run with TF_USE_LEGACY_KERAS=1)."""
    import numpy as np
    import tensorflow as tf
    import tf_keras.src.legacy_tf_layers
    sys.modules.setdefault("tf_keras.legacy_tf_layers", tf_keras.src.legacy_tf_layers)
    import tf_slim
    from tf_slim.nets import resnet_utils, resnet_v1

    v1 = tf.compat.v1
    images, labels = _data(np)
    graph = tf.Graph()
    with graph.as_default():
        x, y = tf.constant(images), tf.constant(labels)
        with tf_slim.arg_scope(resnet_utils.resnet_arg_scope()):
            train_logits, _ = resnet_v1.resnet_v1_50(x, CLASSES, is_training=True)
            eval_logits, _ = resnet_v1.resnet_v1_50(x, CLASSES, is_training=False, reuse=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=tf.squeeze(train_logits, [1, 2])))
        loss += tf.add_n(v1.losses.get_regularization_losses())
        with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
            train_op = v1.train.GradientDescentOptimizer(LEARNING_RATE).minimize(loss)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return {"tf-slim resnet_v1_50 (TF1 Session)": {
                "step": median_seconds(lambda: session.run(train_op), rounds),
                "forward": median_seconds(lambda: session.run(eval_logits), rounds)}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tf1-session-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tf1_session_only:
        print(json.dumps(measure_tf1_session(args.rounds)))
        return
    results = run_tf1_side(__file__, ["--rounds", str(args.rounds), "--tf1-session-only"],
                           ("tf_slim", "tf_keras"))
    if results is None:
        results = {}
        print("TF1 Session run skipped: no Python with tf-slim and tf-keras "
              "(set TF1TRACK_TF1_PYTHON)")
    results.update(measure_tf2(args.rounds))
    print(f"ResNet-50, batch {BATCH}, {SIZE}x{SIZE}, medians of {args.rounds}")
    for name, timing in results.items():
        print(f"  {name:38s} step {timing['step']:7.3f} s   forward {timing['forward']:7.3f} s")
    zoo_timing = results["zoo resnet_v1_50"]
    for other, target in (("tf-slim resnet_v1_50 (TF1 Session)", "<= 1.05"),
                          ("keras ResNet50", "< 1")):
        if other in results:
            for kind in ("step", "forward"):
                print(f"  zoo / {other} {kind}: {zoo_timing[kind] / results[other][kind]:.3f} "
                      f"(target {target})")


if __name__ == "__main__":
    main()
