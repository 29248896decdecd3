"""tensorflow/nmt hyperparameters, by nmt's own names, derived and checked as nmt does.

`ARCHITECTURE_DEFAULTS` are the defaults of `nmt.py`'s flags for every
hyperparameter that shapes the model or its inference; `src_vocab_size` and
`tgt_vocab_size` (nmt derives them from the vocabulary files and writes
them to its `hparams` file) are required. `make_hparams` then derives what
nmt's `extend_hparams` derives (layer counts, residual layers, embedding
partitions, vocabulary file names) and refuses what cannot work, naming the
key. Every other nmt hyperparameter (data, optimizer, schedule, evaluation,
bookkeeping) is accepted and ignored, so nmt's saved `hparams` JSON is
taken as it is.
"""

import os
import types

ARCHITECTURE_DEFAULTS = {
    "num_units": 32,
    "num_layers": 2,
    "num_encoder_layers": None,  # None: num_layers
    "num_decoder_layers": None,
    "num_encoder_residual_layers": None,  # None: derived from residual, as extend_hparams
    "num_decoder_residual_layers": None,
    "num_residual_layers": None,  # nmt before per-side layer counts
    "unit_type": "lstm",
    "encoder_type": "uni",
    "residual": False,
    "time_major": True,
    "num_embeddings_partitions": 0,
    "num_enc_emb_partitions": None,  # None: num_embeddings_partitions
    "num_dec_emb_partitions": None,
    "attention": "",
    "attention_architecture": "standard",
    "output_attention": True,
    "pass_hidden_state": True,
    "init_op": "uniform",
    "init_weight": 0.1,
    "random_seed": None,
    "forget_bias": 1.0,
    "dropout": 0.2,
    "src_vocab_size": None,
    "tgt_vocab_size": None,
    "share_vocab": False,
    "src_vocab_file": None,
    "tgt_vocab_file": None,
    "vocab_prefix": None,
    "src": None,
    "tgt": None,
    "sos": "<s>",
    "eos": "</s>",
    "check_special_token": True,
    "tgt_max_len_infer": None,
    "infer_mode": None,  # None: "beam_search" if beam_width > 0 else "greedy"
    "beam_width": 0,
    "sampling_temperature": 0.0,
    "length_penalty_weight": 0.0,
    "coverage_penalty_weight": 0.0,
    "scope": None,
    "subword_option": "",  # how translations are joined: "", "bpe", "spm"
    "language_model": False,
    "use_char_encode": False,
    "num_sampled_softmax": 0,
}

# nmt hyperparameters that change neither the variables nor translation (as
# nmt.py's flags and extend_hparams write them to the `hparams` file).
IGNORED_KEYS = frozenset("""
avg_best_bleu avg_best_rouge avg_ckpts batch_size best_bleu best_bleu_dir best_rouge
best_rouge_dir colocate_gradients_with_ops decay_factor decay_scheme decay_steps dev_prefix
embed_prefix epoch_step infer_batch_size inference_indices learning_rate log_device_placement
max_gradient_norm max_train metrics num_buckets num_decay_steps num_gpus num_inter_threads
num_intra_threads num_keep_ckpts num_train_steps num_translations_per_input optimizer out_dir
override_loaded_hparams src_embed_file src_max_len src_max_len_infer
start_decay_step steps_per_external_eval steps_per_stats test_prefix
tgt_embed_file tgt_max_len train_prefix warmup_scheme warmup_steps
""".split())

# Keys every `hparams` file nmt saved holds (a file lacking one was not written by nmt).
REQUIRED_IN_HPARAMS_FILE = ("num_units", "unit_type", "encoder_type", "attention",
                            "src_vocab_size", "tgt_vocab_size")

_CHOICES = {
    "unit_type": ("lstm", "gru", "layer_norm_lstm", "nas"),
    "encoder_type": ("uni", "bi", "gnmt"),
    "attention": ("", "luong", "scaled_luong", "bahdanau", "normed_bahdanau"),
    "attention_architecture": ("standard", "gnmt", "gnmt_v2"),
    "init_op": ("uniform", "glorot_normal", "glorot_uniform"),
    "infer_mode": (None, "greedy", "sample", "beam_search"),
    "subword_option": ("", None, "bpe", "spm"),
}


def _ignored(key):
    """A training/bookkeeping key, including the per-metric `best_<metric>[_dir]` records."""
    return key in IGNORED_KEYS or key.startswith(("best_", "avg_best_"))


def _fail(message):
    raise ValueError(f"nmt: {message}")


def make_hparams(config):
    """Checks an nmt config (e.g. nmt's saved `hparams` file) and returns the model's hparams.

    Returns:
      A namespace of every `ARCHITECTURE_DEFAULTS` key, with the derived
      values filled in.

    Raises:
      ValueError: naming the key, for a name nmt never had, a missing vocab
        size, a value the port does not implement, or keys that contradict
        each other (`residual` with one layer, `share_vocab` with two vocab
        sizes, `bi` with an odd layer count, ...).
      NotImplementedError: for nmt features the port leaves out
        (`unit_type` "nas", `language_model`, `use_char_encode`).
    """
    unknown = sorted(k for k in config if k not in ARCHITECTURE_DEFAULTS and not _ignored(k))
    if unknown:
        _fail(f"unknown hyperparameter(s) {', '.join(unknown)} (not a tensorflow/nmt hparams "
              "name).")
    if any(_ignored(k) for k in config):  # it came from nmt's hparams file
        missing = [k for k in REQUIRED_IN_HPARAMS_FILE if k not in config]
        if missing:
            _fail(f"the hparams lack {', '.join(missing)}, which every nmt hparams file holds.")
    hp = types.SimpleNamespace(**{**ARCHITECTURE_DEFAULTS,
                                  **{k: v for k, v in config.items() if not _ignored(k)}})
    for key, allowed in _CHOICES.items():
        if getattr(hp, key) not in allowed:
            _fail(f"{key}={getattr(hp, key)!r} is not one of "
                  f"{', '.join(repr(a) for a in allowed)}.")
    for key, feature in (("language_model", "a language model (no encoder)"),
                         ("use_char_encode", "character encoding")):
        if getattr(hp, key):
            raise NotImplementedError(f"nmt: {key} ({feature}) is not ported.")
    if hp.unit_type == "nas":
        raise NotImplementedError("nmt: unit_type 'nas' (tf.contrib.rnn.NASCell) is not ported; "
                                  "use lstm, gru or layer_norm_lstm.")
    _vocab(hp)
    _layers(hp)
    _inference(hp)
    if hp.num_units is None or not _positive_int(hp.num_units):
        _fail(f"num_units must be a positive integer, got {hp.num_units!r}.")
    if not 0.0 <= hp.dropout < 1.0:
        _fail(f"dropout must be in [0, 1), got {hp.dropout!r}.")
    return hp


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _vocab(hp):
    """Vocab sizes and files, as extend_hparams derives and checks them."""
    for key in ("src_vocab_size", "tgt_vocab_size"):
        value = getattr(hp, key)
        if value is None:
            _fail(f"{key} is required (nmt counts it from the vocabulary file and writes it to "
                  "its hparams file).")
        if not _positive_int(value):
            _fail(f"{key} must be a positive integer, got {value!r}.")
    if hp.share_vocab and hp.src_vocab_size != hp.tgt_vocab_size:
        _fail(f"share_vocab needs one vocabulary, but src_vocab_size {hp.src_vocab_size} != "
              f"tgt_vocab_size {hp.tgt_vocab_size}.")
    # nmt names the files `vocab_prefix.src` / `.tgt`; with share_vocab the source one serves both.
    if hp.vocab_prefix and hp.src and hp.tgt:
        hp.src_vocab_file = hp.src_vocab_file or f"{hp.vocab_prefix}.{hp.src}"
        hp.tgt_vocab_file = hp.tgt_vocab_file or (
            hp.src_vocab_file if hp.share_vocab else f"{hp.vocab_prefix}.{hp.tgt}")
    for key in ("src_vocab_file", "tgt_vocab_file"):
        path = getattr(hp, key)
        if path and not os.path.exists(path):
            # A saved hparams file names the files of the machine nmt trained on: the
            # model still works on ids; text needs the files (see `--config` overrides).
            setattr(hp, key, None)
            setattr(hp, f"missing_{key}", path)


def _layers(hp):
    """Layer counts and residual layers, as nmt.py and extend_hparams derive them."""
    hp.num_encoder_layers = hp.num_encoder_layers or hp.num_layers
    hp.num_decoder_layers = hp.num_decoder_layers or hp.num_layers
    for key in ("num_encoder_layers", "num_decoder_layers"):
        if not _positive_int(getattr(hp, key)):
            _fail(f"{key} (or num_layers) must be a positive integer, got {getattr(hp, key)!r}.")
    if hp.encoder_type == "bi" and hp.num_encoder_layers % 2:
        _fail(f"encoder_type 'bi' needs an even num_encoder_layers, got {hp.num_encoder_layers}.")
    gnmt = hp.attention_architecture in ("gnmt", "gnmt_v2")
    if gnmt and not hp.attention:
        _fail(f"attention_architecture {hp.attention_architecture!r} needs an attention.")
    if hp.encoder_type == "gnmt" and not gnmt:
        _fail("encoder_type 'gnmt' needs attention_architecture 'gnmt' or 'gnmt_v2' "
              f"(got {hp.attention_architecture!r}).")
    if (gnmt or hp.encoder_type == "gnmt") and hp.num_encoder_layers < 2:
        _fail(f"the gnmt encoder needs num_encoder_layers >= 2, got {hp.num_encoder_layers}.")
    if hp.residual and hp.num_encoder_layers < 2 and hp.num_decoder_layers < 2:
        _fail("residual needs more than one layer (num_encoder_layers and num_decoder_layers "
              "are 1).")
    if hp.num_encoder_layers != hp.num_decoder_layers:
        # nmt turns it off: the encoder's states do not fit the decoder's layers.
        hp.pass_hidden_state = False
    if not hp.attention and not hp.pass_hidden_state and hp.num_encoder_layers == \
            hp.num_decoder_layers:
        _fail("without attention the decoder starts from the encoder state: "
              "pass_hidden_state must be true.")
    if not hp.attention and hp.num_encoder_layers != hp.num_decoder_layers:
        _fail(f"without attention the decoder starts from the encoder state, so "
              f"num_encoder_layers {hp.num_encoder_layers} must equal num_decoder_layers "
              f"{hp.num_decoder_layers}.")
    encoder_residual = decoder_residual = 0
    if hp.residual:
        encoder_residual = hp.num_encoder_layers - 1 if hp.num_encoder_layers > 1 else 0
        decoder_residual = hp.num_decoder_layers - 1 if hp.num_decoder_layers > 1 else 0
        if hp.encoder_type == "gnmt":
            # The first uni layer reads the bi layer's concatenated outputs: no residual.
            encoder_residual = hp.num_encoder_layers - 2
            if hp.num_encoder_layers == hp.num_decoder_layers:
                decoder_residual = encoder_residual
    if hp.num_residual_layers is not None:  # an nmt from before per-side counts
        encoder_residual = decoder_residual = hp.num_residual_layers
    if hp.num_encoder_residual_layers is None:
        hp.num_encoder_residual_layers = encoder_residual
    if hp.num_decoder_residual_layers is None:
        hp.num_decoder_residual_layers = decoder_residual
    for key, layers in (("num_encoder_residual_layers", hp.num_encoder_layers),
                        ("num_decoder_residual_layers", hp.num_decoder_layers)):
        value = getattr(hp, key)
        if not isinstance(value, int) or not 0 <= value <= layers:
            _fail(f"{key} must be in [0, {layers}], got {value!r}.")
    hp.num_enc_emb_partitions = (hp.num_enc_emb_partitions if hp.num_enc_emb_partitions
                                 is not None else hp.num_embeddings_partitions)
    hp.num_dec_emb_partitions = (hp.num_dec_emb_partitions if hp.num_dec_emb_partitions
                                 is not None else hp.num_embeddings_partitions)
    if hp.share_vocab and hp.num_enc_emb_partitions != hp.num_dec_emb_partitions:
        _fail("share_vocab needs num_enc_emb_partitions == num_dec_emb_partitions.")


def _inference(hp):
    """Greedy for beam_width 0, beam search above (nmt's infer_mode, when given, agrees)."""
    if not isinstance(hp.beam_width, int) or hp.beam_width < 0:
        _fail(f"beam_width must be an integer >= 0, got {hp.beam_width!r}.")
    if hp.infer_mode == "beam_search" and hp.beam_width <= 0:
        _fail("infer_mode 'beam_search' needs beam_width > 0.")
    if hp.infer_mode == "sample" and not hp.sampling_temperature > 0.0:
        _fail("infer_mode 'sample' needs sampling_temperature > 0.")
    if hp.infer_mode in ("greedy", "sample"):
        hp.beam_width = 0
    if hp.tgt_max_len_infer is not None and not _positive_int(hp.tgt_max_len_infer):
        _fail(f"tgt_max_len_infer must be a positive integer, got {hp.tgt_max_len_infer!r}.")
