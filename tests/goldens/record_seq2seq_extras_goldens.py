"""Records goldens of contrib.seq2seq's sampling helpers and `sequence_loss` (TF 1.15).

Not the port: tf.contrib cannot run on TF 2.x, so this is a TF1 graph-mode
transcription of TF 1.15's `helper.py` (`SampleEmbeddingHelper`,
`ScheduledEmbeddingTrainingHelper`, `categorical_sample`, `bernoulli_sample`)
and `loss.py` (`sequence_loss`), run in a `tf.compat.v1.Session`. The helpers
drive a basic RNN step (`tanh([x, h] W + b)`, logits `h P`) inside one
`tf.while_loop`, as `dynamic_decode` does, so each random op is one graph node
whose stream runs across steps, under graph seed `GRAPH_SEED`. It does not
import tf1track.

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_seq2seq_extras_goldens.py
"""

import os
import pathlib

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from seq2seq_extras_cases import (BATCH, GRAPH_SEED, LOSS_CASES, SAMPLING_CASES, TIME,  # noqa: E402
                                  custom_loss, loss_arrays, sampling_arrays)

OUT_DIR = pathlib.Path(__file__).resolve().parent / "seq2seq_extras"
v1 = tf.compat.v1


def _call_sampler(sample_n_fn, sample_shape):
    sample_shape = tf.convert_to_tensor(sample_shape, dtype=tf.int32)
    sample_shape_flat = tf.reshape(sample_shape, [-1])
    samples = sample_n_fn(tf.reduce_prod(sample_shape_flat))
    return tf.reshape(samples, tf.concat([sample_shape_flat, tf.shape(samples)[1:]], 0))


def categorical_sample(logits, seed):
    event_size = tf.shape(logits)[-1]
    batch_shape_tensor = tf.shape(logits)[:-1]

    def _sample_n(n):
        logits_2d = logits if logits.shape.ndims == 2 else tf.reshape(logits, [-1, event_size])
        draws = v1.multinomial(logits_2d, n, seed=seed, output_dtype=tf.int32)
        draws = tf.reshape(tf.transpose(draws), tf.concat([[n], batch_shape_tensor], 0))
        return tf.cast(draws, tf.int32)

    return _call_sampler(_sample_n, ())


def bernoulli_sample(probs, sample_shape, seed):
    batch_shape_tensor = tf.shape(probs)

    def _sample_n(n):
        new_shape = tf.concat([[n], batch_shape_tensor], 0)
        random = v1.random_uniform(new_shape, seed=seed, dtype=probs.dtype)
        return tf.cast(tf.less(random, probs), tf.bool)

    return _call_sampler(_sample_n, sample_shape)


def decode(case, arrays):
    """The while_loop of dynamic_decode with the case's helper; returns (rnn_output, ids)."""
    embedding = tf.constant(arrays["embedding"])
    kernel, bias = tf.constant(arrays["kernel"]), tf.constant(arrays["bias"])
    projection = tf.constant(arrays["projection"])
    embed = lambda ids: tf.nn.embedding_lookup(embedding, ids)  # noqa: E731
    inputs_tm = tf.transpose(tf.constant(arrays["inputs"]), [1, 0, 2])
    if case["helper"] == "sample":
        first_inputs = embed(tf.constant(arrays["start_tokens"]))
        steps = TIME
    else:
        sequence_length = tf.constant(case["sequence_length"], tf.int32)
        first_inputs = inputs_tm[0]
        steps = max(case["sequence_length"])

    def body(time, inputs, h, outputs_ta, ids_ta):
        h = tf.tanh(tf.matmul(tf.concat([inputs, h], 1), kernel) + bias)
        logits = tf.matmul(h, projection)
        if case["helper"] == "sample":
            temperature = case["softmax_temperature"]
            sample_ids = categorical_sample(logits if temperature is None else logits / temperature,
                                            case["seed"])
            next_inputs = embed(sample_ids)  # the end token (-1) never comes
        else:
            select = bernoulli_sample(tf.constant(case["sampling_probability"]), BATCH,
                                      case["scheduling_seed"])
            sample_ids = tf.where(select, categorical_sample(logits, case["seed"]),
                                  tf.fill([BATCH], -1))
            next_time = time + 1
            finished = next_time >= sequence_length
            base = tf.cond(tf.reduce_all(finished), lambda: tf.zeros_like(inputs_tm[0]),
                           lambda: inputs_tm[tf.minimum(next_time, TIME - 1)])
            where_sampling = tf.cast(tf.where(sample_ids > -1), tf.int32)
            where_not = tf.cast(tf.where(sample_ids <= -1), tf.int32)
            sampled = embed(tf.gather_nd(sample_ids, where_sampling))
            not_sampled = tf.gather_nd(base, where_not)
            mixed = (tf.scatter_nd(where_sampling, sampled, tf.shape(base))
                     + tf.scatter_nd(where_not, not_sampled, tf.shape(base)))
            next_inputs = tf.cond(tf.reduce_all(finished), lambda: base, lambda: mixed)
        return (time + 1, next_inputs, h, outputs_ta.write(time, logits),
                ids_ta.write(time, sample_ids))

    # One iteration at a time: the scheduling draw depends on nothing of the
    # previous step, and parallel iterations could otherwise take the random
    # stream out of step order.
    _, _, _, outputs_ta, ids_ta = tf.while_loop(
        lambda time, *_: time < steps, body,
        (tf.constant(0), first_inputs, tf.zeros([BATCH, kernel.shape[1]]),
         tf.TensorArray(tf.float32, steps), tf.TensorArray(tf.int32, steps)),
        parallel_iterations=1)
    return (tf.transpose(outputs_ta.stack(), [1, 0, 2]), tf.transpose(ids_ta.stack(), [1, 0]))


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, sum_over_timesteps=False, sum_over_batch=False,
                  softmax_loss_function=None):
    """TF 1.15's `sequence_loss`, as its source."""
    num_classes = tf.shape(logits)[2]
    logits_flat = tf.reshape(logits, [-1, num_classes])
    targets = tf.reshape(targets, [-1])
    if softmax_loss_function is None:
        crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets,
                                                                  logits=logits_flat)
    else:
        crossent = softmax_loss_function(labels=targets, logits=logits_flat)
    crossent *= tf.reshape(weights, [-1])
    if average_across_timesteps and average_across_batch:
        return tf.math.divide_no_nan(tf.reduce_sum(crossent), tf.reduce_sum(weights))
    if sum_over_timesteps and sum_over_batch:
        return tf.math.divide_no_nan(tf.reduce_sum(crossent),
                                     tf.cast(tf.math.count_nonzero(weights), tf.float32))
    crossent = tf.reshape(crossent, tf.shape(logits)[0:2])
    if average_across_timesteps or average_across_batch:
        axis = [0] if average_across_batch else [1]
        return tf.math.divide_no_nan(tf.reduce_sum(crossent, axis=axis),
                                     tf.reduce_sum(weights, axis=axis))
    if sum_over_timesteps or sum_over_batch:
        axis = [0] if sum_over_batch else [1]
        return tf.math.divide_no_nan(tf.reduce_sum(crossent, axis=axis),
                                     tf.cast(tf.math.count_nonzero(weights, axis=axis),
                                             tf.float32))
    return crossent


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for seed, (name, case) in enumerate(sorted(SAMPLING_CASES.items())):
        arrays = sampling_arrays(seed)
        with tf.Graph().as_default() as graph:
            v1.set_random_seed(GRAPH_SEED)
            outputs = decode(case, arrays)
            with v1.Session(graph=graph) as session:
                rnn_output, sample_id = session.run(outputs)
        np.savez(OUT_DIR / f"{name}.npz", rnn_output=rnn_output, sample_id=sample_id)
        print("recorded", name, sample_id.tolist())
    losses = {}
    for seed, (name, case) in enumerate(sorted(LOSS_CASES.items())):
        arrays = loss_arrays(seed)
        flags = {k: v for k, v in case.items() if k != "custom_loss"}
        with tf.Graph().as_default() as graph:
            loss = sequence_loss(*(tf.constant(arrays[k]) for k in ("logits", "targets", "weights")),
                                 softmax_loss_function=custom_loss if case.get("custom_loss")
                                 else None, **flags)
            with v1.Session(graph=graph) as session:
                losses[name] = session.run(loss)
    np.savez(OUT_DIR / "sequence_loss.npz", **losses)
    print("recorded sequence_loss", sorted(losses))


if __name__ == "__main__":
    main()
