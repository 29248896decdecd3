"""Cases of contrib.seq2seq's sampling helpers and `sequence_loss` (recorder and test share them)."""

import numpy as np

GRAPH_SEED = 5
BATCH, TIME, VOCAB, EMBED, UNITS = 3, 4, 6, 5, 7

SAMPLING_CASES = {
    "sample_embedding": dict(helper="sample", softmax_temperature=None, seed=11),
    "sample_embedding_temperature": dict(helper="sample", softmax_temperature=0.5, seed=12),
    "scheduled_embedding_half": dict(helper="scheduled", sampling_probability=0.5, seed=13,
                                     scheduling_seed=14, sequence_length=[4, 2, 3]),
    "scheduled_embedding_always": dict(helper="scheduled", sampling_probability=1.0, seed=15,
                                       scheduling_seed=16, sequence_length=[4, 4, 1]),
}

LOSS_CASES = {
    "average_all": dict(),
    "average_timesteps_only": dict(average_across_batch=False),
    "average_batch_only": dict(average_across_timesteps=False),
    "no_reduction": dict(average_across_timesteps=False, average_across_batch=False),
    "sum_over_both": dict(average_across_timesteps=False, average_across_batch=False,
                          sum_over_timesteps=True, sum_over_batch=True),
    "sum_over_timesteps": dict(average_across_timesteps=False, average_across_batch=False,
                               sum_over_timesteps=True),
    "average_timesteps_ignores_sum_over_batch": dict(average_across_batch=False,
                                                     sum_over_batch=True),
    "custom_softmax_loss": dict(custom_loss=True),
}


def sampling_arrays(seed):
    """Start tokens, decoder inputs (for scheduled sampling) and the random weights."""
    rng = np.random.default_rng(seed)
    return {"start_tokens": rng.integers(0, VOCAB, [BATCH]).astype(np.int32),
            "inputs": rng.normal(size=[BATCH, TIME, EMBED]).astype(np.float32),
            "embedding": rng.normal(size=[VOCAB, EMBED]).astype(np.float32),
            "kernel": rng.normal(size=[EMBED + UNITS, UNITS]).astype(np.float32),
            "bias": rng.normal(size=[UNITS]).astype(np.float32),
            "projection": (rng.normal(size=[UNITS, VOCAB]) * 2).astype(np.float32)}


def loss_arrays(seed):
    """Logits, targets and weights (with zeros) of a sequence-loss case."""
    rng = np.random.default_rng(seed)
    weights = (rng.random([BATCH, TIME]) > 0.3).astype(np.float32) * rng.random([BATCH, TIME])
    return {"logits": rng.normal(size=[BATCH, TIME, VOCAB]).astype(np.float32),
            "targets": rng.integers(0, VOCAB, [BATCH, TIME]).astype(np.int32),
            "weights": weights.astype(np.float32)}


def custom_loss(labels, logits):
    """A stand-in `softmax_loss_function` (called by keyword, as TF1 did)."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits) * 2.0
