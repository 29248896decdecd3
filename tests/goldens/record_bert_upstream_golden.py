"""Records a golden of google-research/bert's own `modeling.BertModel` (bert-tensorflow 1.0.4).

Not the port: bert's `modeling.py`, unmodified, in TF1 graph mode in a
`tf.compat.v1.Session`, with its `tf.layers.dense` from tf-keras's legacy
layers (TF_USE_LEGACY_KERAS=1) and its `tf.contrib.layers.layer_norm` from
TF-Slim 1.1.0 (which is TF 1.15's contrib layers code; TF 2.21 has no
tf.contrib, so the recorder provides that module). A tiny BertConfig, every
variable set to seeded random values. Needs tensorflow 2.21, tf-keras 2.21,
tf-slim 1.1.0 and bert-tensorflow 1.0.4:

    TF_USE_LEGACY_KERAS=1 python tests/goldens/record_bert_upstream_golden.py

Writes tests/goldens/bert_upstream/ (a DESIGN.md golden directory).
"""

import os
import pathlib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upstream_tf1_env  # noqa: E402,F401  (TF1 layers, tf-slim, tensorflow.contrib)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from bert import modeling  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from checkpoints_tools.goldens import record_tf1_golden  # noqa: E402

OUT_DIR = pathlib.Path(__file__).resolve().parent / "bert_upstream"
CONFIG = dict(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=24, hidden_act="gelu", hidden_dropout_prob=0.1,
              attention_probs_dropout_prob=0.1, max_position_embeddings=12, type_vocab_size=2,
              initializer_range=0.02)


def build(input_ids, input_mask, token_type_ids):
    model = modeling.BertModel(config=modeling.BertConfig(**CONFIG), is_training=False,
                               input_ids=input_ids, input_mask=input_mask,
                               token_type_ids=token_type_ids)
    return {"sequence_output": model.get_sequence_output(),
            "pooled_output": model.get_pooled_output(),
            "layer_0_output": model.get_all_encoder_layers()[0]}


def main():
    rng = np.random.default_rng(0)
    input_mask = np.ones([2, 8], np.int32)
    input_mask[1, 5:] = 0
    inputs = {"input_ids": rng.integers(0, CONFIG["vocab_size"], [2, 8]).astype(np.int32),
              "input_mask": input_mask,
              "token_type_ids": (np.arange(8)[None, :] >= 4).repeat(2, 0).astype(np.int32)}
    record_tf1_golden(OUT_DIR, build, inputs, model="bert", config=CONFIG,
                      call={"return_end_points": True},  # zoo bert: layer outputs on request
                      source="bert-tensorflow 1.0.4 modeling.BertModel in TF1 graph mode "
                             "(tests/goldens/record_bert_upstream_golden.py)",
                      randomize_seed=1)
    print("wrote", OUT_DIR)


if __name__ == "__main__":
    main()
