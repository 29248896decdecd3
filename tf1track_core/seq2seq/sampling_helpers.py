"""tf.contrib.seq2seq's sampling helpers: `SampleEmbeddingHelper`, `ScheduledEmbeddingTrainingHelper`.

They draw with TensorFlow's stateful multinomial and uniform ops (with the
`seed`s given), in TF 1.15's order, so a graph-level seed reproduces TF1's
samples.
"""

import tensorflow as tf

from tf1track_core.seq2seq.helpers import GreedyEmbeddingHelper, TrainingHelper


def _call_sampler(sample_n, sample_shape):
    sample_shape = tf.reshape(tf.convert_to_tensor(sample_shape, dtype=tf.int32), [-1])
    samples = sample_n(tf.reduce_prod(sample_shape))
    return tf.reshape(samples, tf.concat([sample_shape, tf.shape(samples)[1:]], 0))


def categorical_sample(logits, dtype=tf.int32, sample_shape=(), seed=None):
    """Ids drawn from `softmax(logits)` (TF 1.15's helper, `multinomial` with `seed`)."""
    logits = tf.convert_to_tensor(logits, name="logits")
    event_size = tf.shape(logits)[-1]
    batch_shape = tf.shape(logits)[:-1]

    def sample_n(n):
        logits_2d = logits if logits.shape.rank == 2 else tf.reshape(logits, [-1, event_size])
        sample_dtype = tf.int64 if logits.dtype.size > 4 else tf.int32
        draws = tf.random.categorical(logits_2d, n, dtype=sample_dtype, seed=seed)
        draws = tf.reshape(tf.transpose(draws), tf.concat([[n], batch_shape], 0))
        return tf.cast(draws, dtype)

    return _call_sampler(sample_n, sample_shape)


def bernoulli_sample(probs, dtype=tf.int32, sample_shape=(), seed=None):
    """`uniform < probs` draws (TF 1.15's helper, one uniform op with `seed`)."""
    probs = tf.convert_to_tensor(probs, name="probs")
    batch_shape = tf.shape(probs)

    def sample_n(n):
        uniform = tf.random.uniform(tf.concat([[n], batch_shape], 0), seed=seed,
                                    dtype=probs.dtype)
        return tf.cast(tf.less(uniform, probs), dtype)

    return _call_sampler(sample_n, sample_shape)


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
    """Like `GreedyEmbeddingHelper`, but samples ids from the (tempered) softmax."""

    def __init__(self, embedding, start_tokens, end_token, softmax_temperature=None, seed=None):
        super().__init__(embedding, start_tokens, end_token)
        self._softmax_temperature = softmax_temperature
        self._seed = seed

    def sample(self, time, outputs, state):
        """Ids drawn from `softmax(outputs / softmax_temperature)`."""
        del time, state
        if not tf.is_tensor(outputs):
            raise TypeError(f"Expected outputs to be a single Tensor, got: {type(outputs)}")
        logits = outputs if self._softmax_temperature is None \
            else outputs / self._softmax_temperature
        return categorical_sample(logits=logits, seed=self._seed)


class ScheduledEmbeddingTrainingHelper(TrainingHelper):
    """Teacher forcing where, with `sampling_probability`, the next input is a sampled id's embedding.

    `sample` returns the sampled id where sampling was chosen and -1 elsewhere.
    """

    def __init__(self, inputs, sequence_length, embedding, sampling_probability,
                 time_major=False, seed=None, scheduling_seed=None, name=None):
        with tf.name_scope(name or "ScheduledEmbeddingSamplingWrapper"):
            if callable(embedding):
                self._embedding_fn = embedding
            else:
                self._embedding_fn = lambda ids: tf.nn.embedding_lookup(embedding, ids)
            self._sampling_probability = tf.convert_to_tensor(sampling_probability,
                                                              name="sampling_probability")
            if self._sampling_probability.shape.rank != 0:
                # TF 1.15 accepted a vector here, then failed in `sample` (its
                # [batch] draw met a [batch, batch] mask); say so at once.
                raise ValueError("sampling_probability must be a scalar (TF 1.15's helper only "
                                 "worked with a scalar), saw shape: "
                                 f"{self._sampling_probability.shape}")
            self._seed = seed
            self._scheduling_seed = scheduling_seed
            super().__init__(inputs=inputs, sequence_length=sequence_length,
                             time_major=time_major)

    def sample(self, time, outputs, state):
        """A sampled id where the Bernoulli draw chose sampling, -1 elsewhere."""
        del time, state
        # The scheduling draw needs nothing from this step, so a while loop
        # running iterations in parallel could take step t+1's draw before
        # step t's and scramble the stream. Waiting on `outputs` (which the
        # previous step's samples feed) keeps TF1's step-by-step order.
        with tf.name_scope("ScheduledEmbeddingTrainingHelperSample"), \
                tf.control_dependencies([outputs]):
            select_sample = bernoulli_sample(probs=self._sampling_probability, dtype=tf.bool,
                                             sample_shape=self.batch_size,
                                             seed=self._scheduling_seed)
            return tf.where(select_sample, categorical_sample(logits=outputs, seed=self._seed),
                            tf.fill([self.batch_size], -1))

    def next_inputs(self, time, outputs, state, sample_ids):
        """The next inputs: the sampled ids' embeddings where sampled, the targets elsewhere."""
        with tf.name_scope("ScheduledEmbeddingTrainingHelperNextInputs"):
            finished, base_next_inputs, state = super().next_inputs(
                time=time, outputs=outputs, state=state, sample_ids=sample_ids)

            def maybe_sample():
                where_sampling = tf.cast(tf.where(sample_ids > -1), tf.int32)
                where_not_sampling = tf.cast(tf.where(sample_ids <= -1), tf.int32)
                sampled_next_inputs = self._embedding_fn(tf.gather_nd(sample_ids,
                                                                      where_sampling))
                inputs_not_sampling = tf.gather_nd(base_next_inputs, where_not_sampling)
                base_shape = tf.shape(base_next_inputs)
                return (tf.scatter_nd(where_sampling, sampled_next_inputs, base_shape)
                        + tf.scatter_nd(where_not_sampling, inputs_not_sampling, base_shape))

            all_finished = tf.reduce_all(finished)
            next_inputs = tf.cond(all_finished, lambda: base_next_inputs, maybe_sample)
            return finished, next_inputs, state
