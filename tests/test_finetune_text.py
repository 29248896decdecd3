"""tf1track-finetune for the text families: BERT classification, t2t and nmt translation.

Each runs its shipped smoke config (configs/smoke/*_generated.gin): a tiny
model started from a checkpoint recorded from the upstream code, fine-tuned
on data and a vocabulary tf1track writes itself, through the same sources,
tokenizers and preprocessing a user's data goes through.
"""

import json
import pathlib

import gin
import numpy as np
import pytest

from checkpoints_tools import run_saved_model
from checkpoints_tools.finetuning import finetune
from checkpoints_tools.training import data, generated_text
from checkpoints_tools.training.errors import FinetuneConfigError

ROOT = pathlib.Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke"


def _run(config, tmp_path, data_binding, *bindings):
    gin.parse_config_files_and_bindings([str(SMOKE / config)], [
        f'finetune.output_dir = "{tmp_path / "run"}"', data_binding, *bindings])
    return finetune()


@pytest.mark.slow
def test_bert_classification_learns_resumes_and_serves(tmp_path, gin_config):
    data_dir = tmp_path / "text"
    bindings = (f'generated_sentences.root_dir = "{data_dir}"',
                f'bert_classify.vocab_file = "{data_dir}/vocab.txt"')
    first = _run("bert_classify_generated.gin", tmp_path, *bindings, "finetune.steps = 20")
    assert first["step"] == 20
    losses = first["losses"]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]), losses
    gin.clear_config()
    resumed = _run("bert_classify_generated.gin", tmp_path, *bindings, "finetune.steps = 40")
    assert resumed["start_step"] == 20 and resumed["step"] == 40
    assert resumed["final_eval"]["accuracy"] > first["initial_eval"]["accuracy"]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["model"] == "bert"
    served = run_saved_model(tmp_path / "run" / "export" / "saved_model", {
        "input_ids": np.array([[2, 5, 6, 3] + [0] * 8], np.int32),
        "input_mask": np.array([[1] * 4 + [0] * 8], np.int32),
        "token_type_ids": np.zeros([1, 12], np.int32)})
    assert served["logits"].shape == (1, 2)


@pytest.mark.slow
def test_transformer_translation_learns_and_resumes(tmp_path, gin_config):
    data_dir = tmp_path / "parallel"
    bindings = (f'generated_parallel_text.root_dir = "{data_dir}"',
                f'SUBWORDS = "{data_dir}/vocab.subwords"')
    first = _run("transformer_translate_generated.gin", tmp_path, *bindings,
                 "finetune.steps = 20")
    losses = first["losses"]
    assert first["step"] == 20 and np.mean(losses[-5:]) < np.mean(losses[:5]), losses
    gin.clear_config()
    resumed = _run("transformer_translate_generated.gin", tmp_path, *bindings,
                   "finetune.steps = 40")
    assert resumed["start_step"] == 20 and resumed["step"] == 40
    assert resumed["final_eval"]["loss"] < first["initial_eval"]["loss"]
    assert (tmp_path / "run" / "export" / "tf1" / "model.ckpt.index").is_file()


def test_nmt_translation_learns_resumes_and_serves(tmp_path, gin_config):
    data_dir = tmp_path / "nmt_parallel"
    bindings = (f'generated_nmt_parallel_text.root_dir = "{data_dir}"',
                f'SRC_VOCAB = "{data_dir}/vocab.en"', f'TGT_VOCAB = "{data_dir}/vocab.de"')
    first = _run("nmt_translate_generated.gin", tmp_path, *bindings, "finetune.steps = 20")
    losses = first["losses"]
    assert first["step"] == 20 and np.mean(losses[-5:]) < np.mean(losses[:5]), losses
    gin.clear_config()
    resumed = _run("nmt_translate_generated.gin", tmp_path, *bindings, "finetune.steps = 40")
    assert resumed["start_step"] == 20 and resumed["step"] == 40
    assert resumed["final_eval"]["loss"] < first["initial_eval"]["loss"]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["model"] == "nmt"
    served = run_saved_model(tmp_path / "run" / "export" / "saved_model", {
        "source": np.array([[3, 4, 5]], np.int32), "source_lengths": np.array([3], np.int32),
        "target_input": np.array([[1, 6, 7, 8]], np.int32),
        "target_lengths": np.array([4], np.int32)})
    assert served["output"].shape == (1, 4, 13)  # the teacher-forced logits


def test_nmt_translate_folder_reads_nmt_vocab_files(tmp_path):
    source = generated_text.generated_nmt_parallel_text(root_dir=str(tmp_path / "p"))
    words = (tmp_path / "p" / "en.train.txt").read_text().splitlines()[0].split()
    vocab = (tmp_path / "p" / "vocab.en").read_text().split()
    ids, targets = next(iter(source.make()))
    assert ids.numpy().tolist() == [vocab.index(w) for w in words]
    assert len(targets.numpy()) == len(words)  # word for word; no <s>, </s> yet
    (tmp_path / "en.train.txt").write_text("one\n")
    (tmp_path / "de.train.txt").write_text("ein\n")
    with pytest.raises(FinetuneConfigError, match="nmt vocabulary .*missing.vocab"):
        data.nmt_translate_folder(root_dir=str(tmp_path), language_pair=("en", "de"),
                                  src_vocab_file=str(tmp_path / "missing.vocab"),
                                  tgt_vocab_file=str(tmp_path / "p" / "vocab.de"))


def test_text_sources_refuse_bad_folders_with_one_clear_error(tmp_path):
    with pytest.raises(FinetuneConfigError, match="no <class>.txt files"):
        data.text_folder(root_dir=str(tmp_path), split="train")
    (tmp_path / "en.train.txt").write_text("one two\nthree\n")
    (tmp_path / "de.train.txt").write_text("ein zwei\n")
    vocab = tmp_path / "vocab.subwords"
    vocab.write_text("'<pad>'\n'<EOS>'\n")
    with pytest.raises(FinetuneConfigError, match="en.train.txt has 2 lines, de.train.txt 1"):
        data.t2t_translate_folder(root_dir=str(tmp_path), language_pair=("en", "de"),
                                  vocab_file=str(vocab))
    with pytest.raises(FinetuneConfigError, match="missing .*fr.train.txt"):
        data.t2t_translate_folder(root_dir=str(tmp_path), language_pair=("en", "fr"),
                                  vocab_file=str(vocab))


def test_generated_parallel_text_encodes_with_eos(tmp_path):
    source = generated_text.generated_parallel_text(root_dir=str(tmp_path / "p"))
    inputs, targets = next(iter(source.make()))
    assert inputs.numpy()[-1] == 1 and targets.numpy()[-1] == 1
    assert source.num_examples == 160
