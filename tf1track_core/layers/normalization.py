"""TF1 `batch_normalization`: batch statistics when training, moving ones otherwise.

Variables, in TF1's order: `gamma` (ones), `beta` (zeros), `moving_mean`
(zeros), `moving_variance` (ones); the moving ones are non-trainable, read-
synchronized and mean-aggregated, as TF1 made them.

Numerics follow TF1's `tf.layers.BatchNormalization`: `fused=None` uses the
fused kernel for 4-D/5-D inputs normalized over channels (axis 1 or last),
otherwise `tf.nn.moments` + `tf.nn.batch_normalization`. In training the
moving statistics move by `(moving - batch) * (1 - momentum)`, where the fused
kernel's batch variance is the unbiased one and `tf.nn.moments`' the biased one
(TF1 differed between its two paths in exactly this way). The update runs
at once in eager mode and inside `tf.function`, where TF1 code relied on
`UPDATE_OPS`; in a TF1 graph it is added to `UPDATE_OPS` instead.

`adjustment(shape)` returns a scale and a bias applied before gamma and beta
in training. With `renorm=True` (batch renormalization) training normalizes
with the batch statistics corrected by `r = stddev / renorm_stddev` and
`d = (mean - renorm_mean) / renorm_stddev` (clipped by `renorm_clipping`,
held constant for gradients), taken before `renorm_mean` and `renorm_stddev`
move with `renorm_momentum`; the moving statistics track `moving_stddev`, from
which `moving_variance` follows. Virtual batches (ghost batch norm) normalize
each group of `virtual_batch_size` separately. None of these three is fused.
Variables and numerics are those of the legacy `tf.compat.v1.layers` that
ship with tf-keras.
"""

import tensorflow as tf

from tf1track_core import graph_collections
from tf1track_core.layers.base import Layer, get_initializer, static_bool

v1 = tf.compat.v1


def _normalize_axis(axis, rank):
    axes = [axis] if isinstance(axis, int) else list(axis)
    normalized = sorted({a + rank if a < 0 else a for a in axes})
    if any(a < 0 or a >= rank for a in normalized):
        raise ValueError(f"Invalid axis {axis} for inputs of rank {rank}.")
    return normalized


class BatchNormalization(Layer):
    """TF1 `tf.layers.BatchNormalization`, with renorm, virtual batches and adjustment."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=v1.zeros_initializer(), gamma_initializer=v1.ones_initializer(),
                 moving_mean_initializer=v1.zeros_initializer(),
                 moving_variance_initializer=v1.ones_initializer(), beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                 trainable=True, virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.renorm = bool(renorm)
        if self.renorm:
            self.renorm_clipping = dict(renorm_clipping or {})
            unknown = set(self.renorm_clipping) - {"rmax", "rmin", "dmax"}
            if unknown:
                raise ValueError("Received invalid keys for `renorm_clipping` argument: "
                                 f"{renorm_clipping}. Supported values: ['rmax', 'rmin', 'dmax'].")
            self.renorm_momentum = renorm_momentum
        self.virtual_batch_size = virtual_batch_size
        if virtual_batch_size is not None:
            if virtual_batch_size <= 0:
                raise ValueError("`virtual_batch_size` must be a positive integer that divides "
                                 "the true batch size of the input tensor. Received: "
                                 f"virtual_batch_size={virtual_batch_size}")
            if adjustment is not None:
                raise ValueError("When using `virtual_batch_size`, adjustment cannot be "
                                 "specified")
        self.adjustment = adjustment
        if self.renorm or virtual_batch_size is not None or adjustment is not None:
            fused = False  # never fused, even when asked, as TF1's layer
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.fused = True if fused is None else fused  # TF1: None means "if possible"

    def build(self, input_shape):
        """Creates the variables, under TF1's names, for inputs of `input_shape`."""
        rank = input_shape.rank
        if rank is None:
            raise ValueError(f"Layer {self.name!r}: inputs to batch_normalization need a known rank.")
        self.axis = _normalize_axis(self.axis, rank)
        self._fused_format = self._fused_data_format(rank)
        self.fused = self._fused_format is not None
        dims = [tf.compat.dimension_value(input_shape[a]) for a in self.axis]
        if None in dims:
            raise ValueError(f"Layer {self.name!r}: the normalized axis of the inputs must be "
                             f"defined, got shape {input_shape}.")
        if len(self.axis) == 1 and self.virtual_batch_size is None:
            param_shape = dims
        else:
            param_shape = [input_shape[i] if i in self.axis else 1 for i in range(rank)]
        if self.virtual_batch_size is not None:
            if 0 in self.axis:
                raise ValueError("When using `virtual_batch_size`, the batch dimension must be "
                                 f"0 and thus axis cannot include 0. Received axis={self.axis}")
            # Inputs get a virtual-batch axis at 1 (see `call`): so do the parameters.
            param_shape.insert(1, 1)
            self.axis = [a + 1 for a in self.axis]
        self.gamma = self.add_weight(
            "gamma", param_shape, dtype=self._param_dtype, initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer,
            constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(
            "beta", param_shape, dtype=self._param_dtype, initializer=self.beta_initializer,
            regularizer=self.beta_regularizer,
            constraint=self.beta_constraint) if self.center else None
        # TF1 never partitioned the moving statistics, whatever the scope said.
        partitioner = self._scope.partitioner
        self._scope.set_partitioner(None)
        try:
            moving = dict(trainable=False, synchronization=tf.VariableSynchronization.ON_READ,
                          aggregation=tf.VariableAggregation.MEAN, dtype=self._param_dtype)
            self.moving_mean = self.add_weight(
                "moving_mean", param_shape, initializer=self.moving_mean_initializer, **moving)
            self.moving_variance = self.add_weight(
                "moving_variance", param_shape, initializer=self.moving_variance_initializer,
                **moving)
            if self.renorm:
                # Batch renormalization tracks standard deviations, starting at
                # the square root of the moving variance's initial value.
                stddev_initializer = _square_root_of(self.moving_variance_initializer)
                self.moving_stddev = self.add_weight(
                    "moving_stddev", param_shape, initializer=stddev_initializer, **moving)
                self.renorm_mean = self.add_weight(
                    "renorm_mean", param_shape, initializer=self.moving_mean_initializer,
                    **moving)
                self.renorm_stddev = self.add_weight(
                    "renorm_stddev", param_shape, initializer=stddev_initializer, **moving)
        finally:
            self._scope.set_partitioner(partitioner)
        self._param_shape = param_shape

    @property
    def _param_dtype(self):
        # TF1 kept the parameters of a half-precision batch norm in float32.
        return tf.float32 if self.dtype in (tf.float16, tf.bfloat16) else self.dtype

    def _fused_data_format(self, rank):
        """The fused kernel's data format, or None where TF1 fell back to moments."""
        if not self.fused or rank not in (4, 5) or len(self.axis) != 1:
            return None
        if self.dtype not in (tf.float16, tf.bfloat16, tf.float32):
            return None
        formats = {(4, 1): "NCHW", (4, 3): "NHWC", (5, 1): "NCDHW", (5, 4): "NDHWC"}
        return formats.get((rank, self.axis[0]))

    def call(self, inputs, training=False):
        """Applies the layer to `inputs`, as TF1's layer does."""
        inputs = tf.convert_to_tensor(inputs)
        known = static_bool(training)
        if self.virtual_batch_size is not None:
            return self._ghost_batches(inputs, known, training)
        if self.fused:
            outputs, mean, variance = self._fused(inputs, known, training)
        else:
            outputs, mean, variance = self._moments(inputs, known, training)
        if known is not False:
            self._update_moving_statistics(mean, variance, known, training)
        return outputs

    def _ghost_batches(self, inputs, known, training):
        """Batch norm over virtual batches: inputs as `[virtual_batch_size, -1, ...]`.

        Statistics are per virtual batch (the new axis 1 is not reduced); the
        moving ones move by their mean over virtual batches. As TF1 on TF2, an
        inference call (or one with a run-time `training`) groups `[-1, 1, ...]`.
        """
        shape = inputs.shape.as_list()
        rest = [size if size is not None else tf.shape(inputs)[i + 1]
                for i, size in enumerate(shape[1:])]
        leading = [self.virtual_batch_size, -1] if known is True else [-1, 1]
        outputs, mean, variance = self._moments(tf.reshape(inputs, leading + rest), known,
                                                training)
        if known is not False:
            self._update_moving_statistics(mean, variance, known, training)
        return tf.reshape(outputs, [-1] + rest)

    def _fused(self, inputs, known, training):
        gamma = self.gamma if self.scale else tf.ones(self._param_shape, self._param_dtype)
        beta = self.beta if self.center else tf.zeros(self._param_shape, self._param_dtype)

        def train():
            return v1.nn.fused_batch_norm(
                inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                epsilon=self.epsilon, is_training=True, data_format=self._fused_format)

        def infer():
            return v1.nn.fused_batch_norm(
                inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                epsilon=self.epsilon, is_training=False, data_format=self._fused_format)

        if known is not None:
            return train() if known else infer()
        return tf.cond(tf.cast(training, tf.bool), train, infer)

    def _moments(self, inputs, known, training):
        input_dtype = inputs.dtype
        if input_dtype in (tf.float16, tf.bfloat16):
            # Statistics in float32, as TF1 did; the output goes back to half.
            outputs, mean, variance = self._moments(tf.cast(inputs, tf.float32), known, training)
            return tf.cast(outputs, input_dtype), mean, variance
        rank = inputs.shape.rank
        reduction_axes = [i for i in range(rank) if i not in self.axis]
        if self.virtual_batch_size is not None:
            del reduction_axes[1]  # one set of statistics per virtual batch
        broadcast_shape = [1] * rank
        broadcast_shape[self.axis[0]] = tf.compat.dimension_value(inputs.shape[self.axis[0]])

        def broadcast(value):
            # Per-channel vectors must line up with a channel axis that is not last.
            if value is not None and len(value.shape) != rank and \
                    reduction_axes != list(range(rank - 1)):
                return tf.reshape(value, broadcast_shape)
            return value

        keep_dims = len(self.axis) > 1 or self.virtual_batch_size is not None
        if known is False:
            mean, variance = self.moving_mean, self.moving_variance
        else:
            batch_mean, batch_variance = tf.nn.moments(
                tf.cast(inputs, self._param_dtype), reduction_axes, keepdims=keep_dims)
            if known is True:
                mean, variance = batch_mean, batch_variance
            else:
                mean = _if_training(training, batch_mean, tf.convert_to_tensor(self.moving_mean))
                variance = _if_training(training, batch_variance,
                                        tf.convert_to_tensor(self.moving_variance))
        gamma = broadcast(self.gamma) if self.scale else None
        beta = broadcast(self.beta) if self.center else None
        if self.adjustment is not None and known is not False:
            gamma, beta = self._adjusted(gamma, beta, tf.shape(inputs), known, training)
        # What the moving statistics follow: with virtual batches, their mean.
        new_mean, new_variance = mean, variance
        if self.virtual_batch_size is not None and known is not False:
            new_mean = tf.reduce_mean(mean, axis=1, keepdims=True)
            new_variance = tf.reduce_mean(variance, axis=1, keepdims=True)
        if self.renorm and known is not False:
            # (x * r + d) * gamma + beta: r and d fold into the scale and offset.
            r, d = (broadcast(c) for c in self._renorm_correction(new_mean, new_variance, known,
                                                                  training))
            gamma, beta = (r * gamma if gamma is not None else r,
                           (d * gamma if gamma is not None else d) + (beta if beta is not None
                                                                      else 0.0))
            gamma, beta = tf.cast(gamma, inputs.dtype), tf.cast(beta, inputs.dtype)
        outputs = tf.nn.batch_normalization(
            inputs, broadcast(tf.cast(mean, inputs.dtype)), broadcast(tf.cast(variance, inputs.dtype)),
            beta, gamma, self.epsilon)
        return outputs, new_mean, new_variance

    def _adjusted(self, gamma, beta, input_shape, known, training):
        """Scale and offset with `adjustment(shape)` applied first (training only), as TF1."""
        adj_scale, adj_bias = self.adjustment(input_shape)
        if known is None:
            adj_scale = _if_training(training, adj_scale, tf.ones_like(adj_scale))
            adj_bias = _if_training(training, adj_bias, tf.zeros_like(adj_bias))
        if gamma is not None:
            adj_scale, adj_bias = adj_scale * gamma, adj_bias * gamma
        return adj_scale, adj_bias + beta if beta is not None else adj_bias

    def _renorm_correction(self, mean, variance, known, training):
        """r and d from the renorm statistics as they were, which then move."""
        stddev = tf.sqrt(variance + self.epsilon)
        renorm_stddev = tf.maximum(self.renorm_stddev, tf.sqrt(self.epsilon))
        r = stddev / renorm_stddev
        d = (mean - self.renorm_mean) / renorm_stddev
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = tf.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = tf.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = tf.minimum(tf.maximum(d, -clip["dmax"]), clip["dmax"])
        r, d = tf.stop_gradient(r), tf.stop_gradient(d)
        # In a TF1 graph nothing else orders the renorm statistics' reads above
        # before their update below: make the update wait for r and d.
        with tf.control_dependencies([r, d]):
            mean, stddev = tf.identity(mean), tf.identity(stddev)
        if known is None:  # not training: r = 1, d = 0 and nothing moves
            r = _if_training(training, r, tf.ones_like(r))
            d = _if_training(training, d, tf.zeros_like(d))
        self._add_updates(lambda: [
            self._assign_moving_average(self.renorm_mean, mean, self.renorm_momentum),
            self._assign_moving_average(self.renorm_stddev, stddev, self.renorm_momentum)],
            known, training)
        return r, d

    def _add_updates(self, make_updates, known, training):
        """Runs `make_updates()` when training (a cond if only known at run time).

        The updates also go to UPDATE_OPS in a TF1 graph and in a tracked call
        (there they have run already: TF1 code's `control_dependencies` on
        them adds nothing, so the statistics move once per call)."""
        if known is None:
            updates = [tf.cond(tf.cast(training, tf.bool),
                               lambda: tf.group(make_updates()), tf.no_op)]
        else:
            updates = make_updates()
        for update in updates:
            graph_collections.add_to_collection_tf1(v1.GraphKeys.UPDATE_OPS, update)

    def _update_moving_statistics(self, mean, variance, known, training):
        def updates():
            if not self.renorm:
                return [self._assign_moving_average(self.moving_mean, mean, self.momentum),
                        self._assign_moving_average(self.moving_variance, variance,
                                                    self.momentum)]
            # moving_stddev moves like the other statistics (epsilon included);
            # moving_variance follows it (relu: no rounding below 0).
            stddev = self._assign_moving_average(
                self.moving_stddev, tf.sqrt(variance + self.epsilon), self.momentum)
            return [self._assign_moving_average(self.moving_mean, mean, self.momentum),
                    self.moving_variance.assign(tf.nn.relu(stddev * stddev - self.epsilon))]

        self._add_updates(updates, known, training)

    @staticmethod
    def _assign_moving_average(variable, value, momentum):
        # 1 - momentum in Python when it is a number, as TF1 did: same rounding.
        decay = tf.cast(1.0 - momentum, variable.dtype)
        return variable.assign_sub((variable - tf.cast(value, variable.dtype)) * decay)


def _if_training(training, value, otherwise):
    """`value` when the run-time `training` flag is true, else `otherwise`."""
    return tf.cond(tf.cast(training, tf.bool), lambda: value, lambda: otherwise)


def _square_root_of(initializer):
    """An initializer giving the square root of `initializer`'s values."""
    initializer = get_initializer(initializer)

    def square_root(shape, dtype=None, partition_info=None):
        del partition_info
        return tf.sqrt(initializer(shape, dtype=dtype))

    return square_root


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=v1.zeros_initializer(),
                        gamma_initializer=v1.ones_initializer(),
                        moving_mean_initializer=v1.zeros_initializer(),
                        moving_variance_initializer=v1.ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Functional `BatchNormalization`; `training=False` (TF1's default) uses moving statistics."""
    layer = BatchNormalization(
        axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
        beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
        renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
        trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
        name=name, _reuse=reuse, _scope=name)
    return layer(inputs, training=training)
