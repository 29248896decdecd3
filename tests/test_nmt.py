"""zoo `nmt`: nmt's names, its hparams file taken as is, text in and out, and bad input.

Numerics against the TF1 reference are in test_nmt_goldens.py.
"""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import zoo
from checkpoints_tools import CheckpointLoadError, load_tf1_checkpoint
from checkpoints_tools.converter import export_saved_model, run_saved_model
from tf1_checkpoints import write_tf1_checkpoint
from tf1track_core import tf1_name

GOLDENS = pathlib.Path(__file__).parent / "goldens" / "nmt"
SMALL = dict(num_units=4, src_vocab_size=9, tgt_vocab_size=10)


def _names(**config):
    layer = zoo.build("nmt", **{**SMALL, **config})
    layer(**layer.example_inputs(2))
    return layer, [tf1_name(w) for w in layer.weights]


def test_attention_model_names_are_nmts():
    _, names = _names(num_layers=2, encoder_type="uni", attention="scaled_luong")
    assert names == [
        "embeddings/encoder/embedding_encoder",
        "embeddings/decoder/embedding_decoder",
        "dynamic_seq2seq/encoder/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "dynamic_seq2seq/encoder/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "dynamic_seq2seq/encoder/rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
        "dynamic_seq2seq/encoder/rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        "dynamic_seq2seq/decoder/memory_layer/kernel",
        "dynamic_seq2seq/decoder/attention/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "dynamic_seq2seq/decoder/attention/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "dynamic_seq2seq/decoder/attention/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
        "dynamic_seq2seq/decoder/attention/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        "dynamic_seq2seq/decoder/attention/luong_attention/attention_g",
        "dynamic_seq2seq/decoder/attention/attention_layer/kernel",
        "dynamic_seq2seq/decoder/output_projection/kernel",
    ]


def test_one_layer_cells_shared_vocab_and_bi_encoder_names():
    _, names = _names(num_layers=1, share_vocab=True, tgt_vocab_size=9, attention="luong")
    assert names[0] == "embeddings/embedding_share"
    assert "dynamic_seq2seq/encoder/rnn/basic_lstm_cell/kernel" in names
    assert "dynamic_seq2seq/decoder/attention/basic_lstm_cell/kernel" in names
    _, names = _names(num_layers=2, encoder_type="bi", unit_type="gru")
    assert "dynamic_seq2seq/encoder/bidirectional_rnn/fw/gru_cell/gates/kernel" in names
    assert "dynamic_seq2seq/encoder/bidirectional_rnn/bw/gru_cell/candidate/bias" in names
    assert "dynamic_seq2seq/decoder/multi_rnn_cell/cell_1/gru_cell/gates/kernel" in names


def test_gnmt_names_are_nmts():
    _, names = _names(num_layers=4, encoder_type="gnmt", attention="normed_bahdanau",
                      attention_architecture="gnmt_v2", residual=True)
    prefix = "dynamic_seq2seq/decoder/multi_rnn_cell/"
    assert prefix + "cell_0_attention/attention/basic_lstm_cell/kernel" in names
    assert prefix + "cell_0_attention/attention/bahdanau_attention/attention_g" in names
    assert prefix + "cell_0_attention/attention/bahdanau_attention/query_layer/kernel" in names
    assert prefix + "cell_3/basic_lstm_cell/kernel" in names
    assert "dynamic_seq2seq/encoder/bidirectional_rnn/fw/basic_lstm_cell/kernel" in names
    assert "dynamic_seq2seq/encoder/rnn/multi_rnn_cell/cell_2/basic_lstm_cell/kernel" in names
    assert not any("attention_layer" in n for n in names)  # GNMT has no attention layer


def test_partitioned_embeddings_have_tf1_part_names():
    _, names = _names(num_layers=1, num_embeddings_partitions=2)
    assert names[:4] == ["embeddings/encoder/embedding_encoder/part_0",
                         "embeddings/encoder/embedding_encoder/part_1",
                         "embeddings/decoder/embedding_decoder/part_0",
                         "embeddings/decoder/embedding_decoder/part_1"]


def _nmt_hparams_file(path, config, **extra):
    """An `hparams` file as nmt's `save_hparams` writes it (every flag, sorted JSON)."""
    hparams = {
        "attention": "", "attention_architecture": "standard", "avg_ckpts": False,
        "batch_size": 128, "beam_width": 0, "best_bleu": 0, "best_bleu_dir": "/tmp/m/best_bleu",
        "check_special_token": True, "colocate_gradients_with_ops": True,
        "coverage_penalty_weight": 0.0, "decay_scheme": "", "dev_prefix": None, "dropout": 0.2,
        "embed_prefix": None, "encoder_type": "uni", "eos": "</s>", "epoch_step": 0,
        "forget_bias": 1.0, "infer_batch_size": 32, "infer_mode": "greedy", "init_op": "uniform",
        "init_weight": 0.1, "language_model": False, "learning_rate": 1.0,
        "length_penalty_weight": 0.0, "log_device_placement": False, "max_gradient_norm": 5.0,
        "max_train": 0, "metrics": ["bleu"], "num_buckets": 5, "num_dec_emb_partitions": 0,
        "num_decoder_layers": 2, "num_decoder_residual_layers": 0, "num_embeddings_partitions": 0,
        "num_enc_emb_partitions": 0, "num_encoder_layers": 2, "num_encoder_residual_layers": 0,
        "num_gpus": 1, "num_inter_threads": 0, "num_intra_threads": 0, "num_keep_ckpts": 5,
        "num_sampled_softmax": 0, "num_train_steps": 12000, "num_translations_per_input": 1,
        "num_units": 32, "optimizer": "sgd", "out_dir": "/tmp/m", "output_attention": True,
        "override_loaded_hparams": False, "pass_hidden_state": True, "random_seed": None,
        "residual": False, "sampling_temperature": 0.0, "share_vocab": False, "sos": "<s>",
        "src": "vi", "src_embed_file": "", "src_max_len": 50, "src_max_len_infer": None,
        "src_vocab_file": "/tmp/nmt_data/vocab.vi", "src_vocab_size": 7709,
        "steps_per_external_eval": None, "steps_per_stats": 100, "subword_option": "",
        "test_prefix": None, "tgt": "en", "tgt_embed_file": "", "tgt_max_len": 50,
        "tgt_max_len_infer": None, "tgt_vocab_file": "/tmp/nmt_data/vocab.en",
        "tgt_vocab_size": 17191, "time_major": True, "train_prefix": "/tmp/nmt_data/train",
        "unit_type": "lstm", "use_char_encode": False, "vocab_prefix": "/tmp/nmt_data/vocab",
        "warmup_scheme": "t2t", "warmup_steps": 0,
    }
    hparams.update(config, **extra)
    path.write_text(json.dumps(hparams, indent=4, sort_keys=True))
    return hparams


def test_an_nmt_hparams_file_is_taken_as_it_is(tmp_path):
    hparams = _nmt_hparams_file(tmp_path / "hparams", {})
    layer = zoo.build("nmt", **json.loads((tmp_path / "hparams").read_text()))
    assert layer.hparams.num_units == 32 and layer.hparams.tgt_vocab_size == 17191
    assert layer.hparams.beam_width == 0  # infer_mode greedy
    # The vocabulary files named in it are the training machine's: ids still work.
    assert layer.src_vocab is None and layer.hparams.missing_src_vocab_file == \
        hparams["src_vocab_file"]


def test_tf1track_load_reads_an_nmt_run_and_skips_its_step_counter(tmp_path):
    golden = GOLDENS / "uni_luong_time_major"
    config = json.loads((golden / "meta.json").read_text())["config"]
    reader = tf.train.load_checkpoint(str(golden / "model.ckpt"))
    values = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}
    values["Variable"] = np.int64(1200)  # nmt's global step
    prefix = write_tf1_checkpoint(tmp_path / "translate.ckpt-1200", values)
    _nmt_hparams_file(tmp_path / "hparams", config, num_encoder_layers=2, num_decoder_layers=2)
    command = [sys.executable, "-m", "checkpoints_tools.cli.load", "--model=nmt",
               f"--config={tmp_path / 'hparams'}", f"--checkpoint={prefix}",
               f"--output_dir={tmp_path / 'out'}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Loaded {len(values) - 1} variables" in result.stdout
    assert "1 training step" in result.stdout


def test_a_checkpoint_of_other_vocab_size_loads_nothing():
    golden = GOLDENS / "uni_luong_time_major"
    config = json.loads((golden / "meta.json").read_text())["config"]
    layer = zoo.build("nmt", **{**config, "tgt_vocab_size": 14})
    layer(**layer.example_inputs(1))
    before = [w.numpy() for w in layer.weights]
    with pytest.raises(CheckpointLoadError, match="output_projection"):
        load_tf1_checkpoint(layer, str(golden / "model.ckpt"))
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(before, layer.weights))


def _vocab(path, tokens):
    path.write_text("".join(t + "\n" for t in tokens))
    return str(path)


def test_text_in_text_out_through_nmt_vocab_files(tmp_path):
    src = _vocab(tmp_path / "vocab.vi", ["<unk>", "<s>", "</s>", "xin", "chào", "bạn"])
    # Without the special tokens in front, nmt's check_vocab puts them there.
    tgt = _vocab(tmp_path / "vocab.en", ["hello", "you", "friend"])
    layer = zoo.build("nmt", num_units=4, num_layers=1, attention="luong", src_vocab_size=6,
                      tgt_vocab_size=6, src_vocab_file=src, tgt_vocab_file=tgt,
                      tgt_max_len_infer=5)
    assert layer.tgt_vocab.tokens[:4] == ["<unk>", "<s>", "</s>", "hello"]
    ids, lengths = layer.src_vocab.lookup(tf.constant(["xin chào bạn", "chào unknownword"]))
    np.testing.assert_array_equal(ids.numpy(), [[3, 4, 5], [4, 0, 2]])  # <unk> 0, </s> pad
    np.testing.assert_array_equal(lengths.numpy(), [3, 2])
    out = tf.function(layer.translate)(tf.constant(["xin chào bạn", "chào unknownword"]))
    text = [t.decode() for t in out["text"].numpy()]
    for sentence, row, length in zip(text, out["ids"].numpy(), out["lengths"].numpy()):
        assert sentence == " ".join(layer.tgt_vocab.tokens[i] for i in row[:length])
    with pytest.raises(ValueError, match="src_vocab_size is 7"):
        zoo.build("nmt", num_units=4, src_vocab_size=7, tgt_vocab_size=6, src_vocab_file=src)


def test_the_saved_model_translates_ids_and_text(tmp_path):
    src = _vocab(tmp_path / "vocab.vi", ["<unk>", "<s>", "</s>", "xin", "chào", "bạn"])
    tgt = _vocab(tmp_path / "vocab.en", ["<unk>", "<s>", "</s>", "hello", "you", "friend"])
    layer = zoo.build("nmt", num_units=4, num_layers=2, encoder_type="bi", attention="luong",
                      src_vocab_size=6, tgt_vocab_size=6, src_vocab_file=src,
                      tgt_vocab_file=tgt, beam_width=2, tgt_max_len_infer=4)
    inputs = layer.example_inputs(1)
    layer(**inputs)
    saved = export_saved_model(layer, tmp_path / "saved_model", inputs)
    source = np.array([[3, 4, 5]], np.int32)
    expected = layer.translate(source, np.array([3], np.int32))
    served = run_saved_model(saved, {"source": source, "source_lengths": np.array([3], np.int32)},
                             signature="translate")
    np.testing.assert_array_equal(served["ids"], expected["ids"])
    text = run_saved_model(saved, {"text": np.array(["xin chào bạn"])},
                           signature="translate_text")
    assert text["text"][0].decode() == layer.translate(tf.constant(["xin chào bạn"]))[
        "text"].numpy()[0].decode()
    np.testing.assert_array_equal(text["ids"], expected["ids"])


@pytest.mark.parametrize("config, match", [
    (dict(num_units=4, src_vocab_size=9, tgt_vocab_size=9, num_layerz=2), "num_layerz"),
    (dict(num_units=4, tgt_vocab_size=9), "src_vocab_size is required"),
    (dict(SMALL, residual=True, num_layers=1), "residual needs more than one layer"),
    (dict(SMALL, share_vocab=True), "share_vocab needs one vocabulary"),
    (dict(SMALL, encoder_type="bi", num_layers=3), "even num_encoder_layers"),
    (dict(SMALL, encoder_type="gnmt", attention="luong"), "encoder_type 'gnmt' needs"),
    (dict(SMALL, attention="dot"), "attention='dot'"),
    (dict(SMALL, infer_mode="beam_search"), "beam_width > 0"),
    (dict(SMALL, num_encoder_layers=1, num_decoder_layers=2), "must equal num_decoder_layers"),
    (dict(SMALL, batch_size=128), "lack unit_type, encoder_type"),  # a cut-short hparams file
])
def test_bad_hparams_are_one_error_naming_the_key(config, match):
    with pytest.raises(ValueError, match=match):
        zoo.build("nmt", **config)


def test_nas_cells_are_not_implemented():
    with pytest.raises(NotImplementedError, match="nas"):
        zoo.build("nmt", **SMALL, unit_type="nas")


@pytest.mark.parametrize("use_function", [False, True], ids=["eager", "tf_function"])
def test_bad_ids_and_lengths_are_named(use_function):
    layer = zoo.build("nmt", **SMALL, num_layers=1, attention="luong")
    inputs = layer.example_inputs(2)
    layer(**inputs)
    call = tf.function(layer) if use_function else layer
    errors = (ValueError, tf.errors.InvalidArgumentError)
    with pytest.raises(errors, match="source_lengths"):
        call(**{**inputs, "source_lengths": tf.constant([4, 9])})
    with pytest.raises(errors, match="target_input has an id >= tgt_vocab_size"):
        call(**{**inputs, "target_input": tf.fill([2, 4], 10)})
    with pytest.raises(errors, match="source_lengths must be"):
        call(**{**inputs, "source_lengths": tf.constant([4, 4, 4])})


def test_time_major_and_batch_major_graphs_agree():
    config = dict(SMALL, num_layers=2, encoder_type="bi", attention="bahdanau", beam_width=2)
    time_major = zoo.build("nmt", **config)
    batch_major = zoo.build("nmt", **config, time_major=False)
    inputs = time_major.example_inputs(3, length=5)
    inputs["source_lengths"] = np.array([5, 2, 4], np.int32)
    time_major(**inputs), batch_major(**inputs)
    for a, b in zip(time_major.weights, batch_major.weights):
        b.assign(a)
    np.testing.assert_allclose(time_major(**inputs), batch_major(**inputs), atol=1e-6)
    a, b = (m.translate(inputs["source"], inputs["source_lengths"]) for m in (time_major,
                                                                                batch_major))
    np.testing.assert_array_equal(a["ids"], b["ids"])
