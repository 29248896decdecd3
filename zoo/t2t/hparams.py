"""tensor2tensor hyperparameters for the Transformer, by t2t's own names.

`MODEL_DEFAULTS` are `transformer_base`'s values for every hyperparameter that
shapes the model; `vocab_size` and `target_space_id` come from the t2t
problem, not the hparams (a `hparams.json` does not hold them). Every other
t2t hyperparameter (optimizer, batching, decoding, ...) is accepted and
ignored, so a `hparams.json` written by t2t is taken as it is; a name t2t
never had is refused, as is a value the port does not implement.
"""

import types

MODEL_DEFAULTS = {
    "hidden_size": 512,
    "filter_size": 2048,
    "num_heads": 8,
    "num_hidden_layers": 6,
    "num_encoder_layers": 0,  # 0: num_hidden_layers
    "num_decoder_layers": 0,
    "attention_key_channels": 0,  # 0: hidden_size
    "attention_value_channels": 0,
    "layer_preprocess_sequence": "n",
    "layer_postprocess_sequence": "da",
    "layer_prepostprocess_dropout": 0.1,
    "layer_prepostprocess_dropout_broadcast_dims": "",
    "attention_dropout": 0.1,
    "attention_dropout_broadcast_dims": "",
    "relu_dropout": 0.1,
    "relu_dropout_broadcast_dims": "",
    "symbol_dropout": 0.0,
    "norm_type": "layer",
    "norm_epsilon": 1e-6,
    "pos": "timing",
    "multiply_embedding_mode": "sqrt_depth",
    "shared_embedding_and_softmax_weights": True,
    "shared_embedding": False,
    "symbol_modality_num_shards": 16,
    "ffn_layer": "dense_relu_dense",
    "self_attention_type": "dot_product",
    "max_relative_position": 0,
    "proximity_bias": False,
    "use_pad_remover": True,
    "use_target_space_embedding": True,
    "causal_decoder_self_attention": True,
    "unidirectional_encoder": False,
    "attention_variables_3d": False,
    "symbol_modality_skip_top": False,
    "initializer": "uniform_unit_scaling",
    "initializer_gain": 1.0,
    "label_smoothing": 0.1,
}

# Keys of the t2t problem, not of the hparams.
PROBLEM_KEYS = {"vocab_size": None, "target_space_id": 0}

# The architecture keys every t2t >= 1.3 `hparams.json` holds: a file missing
# one was not written by t2t's Transformer (or was cut short).
REQUIRED_IN_HPARAMS_FILE = (
    "hidden_size", "filter_size", "num_heads", "num_hidden_layers", "num_encoder_layers",
    "num_decoder_layers", "attention_key_channels", "attention_value_channels",
    "layer_preprocess_sequence", "layer_postprocess_sequence", "norm_type", "norm_epsilon",
    "pos", "multiply_embedding_mode", "shared_embedding_and_softmax_weights",
    "symbol_modality_num_shards", "ffn_layer", "self_attention_type",
    "layer_prepostprocess_dropout", "attention_dropout", "relu_dropout",
)

# t2t hyperparameters that do not change the model's variables or its
# inference numerics (training, batching, decoding, other models' options),
# from common_hparams.basic_params1 and the transformer hparams sets of t2t
# 1.3 to 1.15.
IGNORED_KEYS = frozenset("""
activation_dtype add_relative_to_values area_key_mode area_value_mode batch_shuffle_size
batch_size bottom clip_grad_norm compress_steps conv_first_kernel daisy_chain_variables
dropout eval_drop_long_sequences eval_run_autoregressive factored_logits force_full_predict
gpu_automatic_mixed_precision grad_noise_scale gumbel_noise_weight hard_attention_k
heads_share_relative_embedding input_modalities kernel_height kernel_width learning_rate
learning_rate_constant learning_rate_cosine_cycle_steps learning_rate_decay_rate
learning_rate_decay_scheme learning_rate_decay_staircase learning_rate_decay_steps
learning_rate_minimum learning_rate_schedule learning_rate_warmup_steps length_bucket_step
loss max_area_height max_area_width max_input_seq_length max_length max_target_seq_length
memory_height min_length min_length_bucket mixed_precision_optimizer_init_loss_scale
mixed_precision_optimizer_loss_scaler mlperf_mode moe_hidden_sizes moe_k moe_loss_coef
moe_num_experts moe_overhead_eval moe_overhead_train multiproblem_fixed_train_length
multiproblem_label_weight multiproblem_max_input_length multiproblem_max_target_length
multiproblem_mixing_schedule multiproblem_per_task_threshold multiproblem_reweight_label_loss
multiproblem_schedule_max_examples multiproblem_schedule_threshold
multiproblem_target_eval_only multiproblem_vocab_size name nbr_decoder_problems
no_data_parallelism num_area_layers num_sampled_classes optimizer optimizer_adafactor_beta1
optimizer_adafactor_beta2 optimizer_adafactor_clipping_threshold
optimizer_adafactor_decay_type optimizer_adafactor_factored
optimizer_adafactor_memory_exponent optimizer_adafactor_multiply_by_parameter_scale
optimizer_adam_beta1 optimizer_adam_beta2 optimizer_adam_epsilon optimizer_momentum_momentum
optimizer_momentum_nesterov optimizer_multistep_accumulate_steps optimizer_zero_grads
overload_eval_metric_name pack_dataset pad_batch parameter_attention_key_channels
parameter_attention_value_channels position_features prepend_mode pretrained_model_dir
sampling_keep_top_k sampling_method sampling_temp scheduled_sampling_gold_mixin_prob
scheduled_sampling_method scheduled_sampling_num_passes scheduled_sampling_prob
scheduled_sampling_warmup_schedule scheduled_sampling_warmup_steps split_targets_chunk_length
split_targets_max_chunks split_targets_strided_training split_to_length summarize_grads
summarize_vars target_modality top tpu_enable_host_call use_custom_ops use_fixed_batch_size
video_num_input_frames video_num_target_frames vocab_divisor warm_start_from_second
weight_decay weight_dtype weight_noise weights_fn
""".split())

# What the port implements, where t2t offers more.
_SUPPORTED = {
    "ffn_layer": ("dense_relu_dense",),
    "self_attention_type": ("dot_product",),
    "norm_type": ("layer", "none"),
    "pos": ("timing", "none"),
    "multiply_embedding_mode": ("sqrt_depth", "none", ""),
    "max_relative_position": (0,),
    "proximity_bias": (False,),
    "unidirectional_encoder": (False,),
    "attention_variables_3d": (False,),
    "symbol_modality_skip_top": (False,),
}


def make_hparams(config):
    """Checks a t2t config (a `hparams.json` plus problem keys) and returns the model's hparams.

    Returns:
      A namespace with every `MODEL_DEFAULTS` and `PROBLEM_KEYS` attribute.

    Raises:
      ValueError: naming the key, for a name t2t never had, a missing
        `vocab_size`, a `hparams.json` lacking an architecture key, a value
        the port does not implement, or a size that cannot work.
    """
    unknown = sorted(k for k in config
                     if k not in MODEL_DEFAULTS and k not in PROBLEM_KEYS and k not in IGNORED_KEYS)
    if unknown:
        raise ValueError(f"transformer: unknown hyperparameter(s) {', '.join(unknown)} "
                         "(not a tensor2tensor Transformer hparams name).")
    if any(k in IGNORED_KEYS for k in config):  # it came from a t2t hparams.json
        missing = [k for k in REQUIRED_IN_HPARAMS_FILE if k not in config]
        if missing:
            raise ValueError(f"transformer: the hparams lack {', '.join(missing)}, which every "
                             "t2t Transformer hparams.json holds.")
    if config.get("vocab_size") is None:
        raise ValueError("transformer: vocab_size is required (a t2t hparams.json does not hold "
                         "it: the problem's vocabulary set it; e.g. 8190 for the t2t test "
                         "checkpoint).")
    values = {**MODEL_DEFAULTS, **PROBLEM_KEYS,
              **{k: v for k, v in config.items() if k not in IGNORED_KEYS}}
    for key, allowed in _SUPPORTED.items():
        if values[key] not in allowed:
            raise ValueError(f"transformer: {key}={values[key]!r} is not supported by the port "
                             f"(supported: {', '.join(map(repr, allowed))}).")
    for key in ("hidden_size", "filter_size", "num_heads", "num_hidden_layers", "vocab_size",
                "symbol_modality_num_shards"):
        if not isinstance(values[key], int) or values[key] < 1:
            raise ValueError(f"transformer: {key} must be a positive integer, got {values[key]!r}.")
    hparams = types.SimpleNamespace(**values)
    key_depth = hparams.attention_key_channels or hparams.hidden_size
    value_depth = hparams.attention_value_channels or hparams.hidden_size
    for key, depth in (("attention_key_channels", key_depth),
                       ("attention_value_channels", value_depth)):
        if depth % hparams.num_heads:
            raise ValueError(f"transformer: {key} (or hidden_size) {depth} is not divisible by "
                             f"num_heads {hparams.num_heads}.")
    if hparams.symbol_modality_num_shards > hparams.vocab_size:
        raise ValueError(f"transformer: symbol_modality_num_shards "
                         f"{hparams.symbol_modality_num_shards} exceeds vocab_size "
                         f"{hparams.vocab_size}.")
    return hparams
