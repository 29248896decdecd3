"""The nmt cases shared by the reference recorder and the port's test (configs only).

Each config is nmt hparams for `zoo.build("nmt", ...)`; the other keys say
how the recorder draws inputs. Together they cover uni, bi and gnmt
encoders; no attention, luong, scaled_luong, bahdanau and normed_bahdanau;
standard, gnmt and gnmt_v2 decoders; LSTM and GRU; residual layers;
time-major and batch-major graphs; shared vocabularies; greedy and beam
search with length and coverage penalties; layer-normalized LSTMs and
partitioned embeddings (TF1's "mod" lookup).
"""

SOURCE_TIME = 6
TARGET_TIME = 5
BATCH = 3

CASES = {
    "uni_luong_time_major": dict(
        config=dict(num_units=4, num_layers=2, encoder_type="uni", attention="luong",
                    unit_type="lstm", time_major=True, src_vocab_size=11, tgt_vocab_size=13,
                    beam_width=3, length_penalty_weight=0.0),
        eos_scale=3.0, source_lengths=[6, 3, 1], target_lengths=[5, 2, 4]),
    "bi_scaled_luong_batch_major": dict(
        config=dict(num_units=4, num_layers=2, encoder_type="bi", attention="scaled_luong",
                    output_attention=False, time_major=False, forget_bias=0.5,
                    src_vocab_size=11, tgt_vocab_size=13, beam_width=3,
                    length_penalty_weight=0.6),
        eos_scale=-4.0, source_lengths=[4, 6, 2], target_lengths=[3, 5, 1]),
    "uni_bahdanau_gru_residual": dict(
        config=dict(num_units=5, num_layers=3, encoder_type="uni", attention="bahdanau",
                    unit_type="gru", residual=True, pass_hidden_state=False,
                    src_vocab_size=11, tgt_vocab_size=13, beam_width=2,
                    length_penalty_weight=0.3, coverage_penalty_weight=0.4),
        eos_scale=-4.0, source_lengths=[5, 6, 3], target_lengths=[2, 5, 4]),
    "gnmt_v2_normed_bahdanau_residual": dict(
        config=dict(num_units=4, num_layers=3, encoder_type="gnmt", attention="normed_bahdanau",
                    attention_architecture="gnmt_v2", residual=True, src_vocab_size=11,
                    tgt_vocab_size=13, beam_width=3, length_penalty_weight=1.0,
                    coverage_penalty_weight=0.5),
        eos_scale=4.0, source_lengths=[6, 2, 4], target_lengths=[4, 3, 5]),
    "gnmt_luong_shared_vocab_batch_major": dict(
        config=dict(num_units=4, num_layers=2, encoder_type="gnmt", attention="luong",
                    attention_architecture="gnmt", share_vocab=True, time_major=False,
                    src_vocab_size=12, tgt_vocab_size=12, beam_width=2),
        eos_scale=3.0, source_lengths=[3, 6, 5], target_lengths=[5, 1, 3]),
    "plain_bi_no_attention": dict(
        config=dict(num_units=4, num_layers=2, encoder_type="bi", attention="",
                    src_vocab_size=11, tgt_vocab_size=13, beam_width=3,
                    length_penalty_weight=0.6),
        eos_scale=-4.0, source_lengths=[6, 4, 5], target_lengths=[5, 5, 2]),
    "uni_layer_norm_lstm_partitioned_embeddings": dict(
        config=dict(num_units=4, num_layers=2, encoder_type="uni", attention="scaled_luong",
                    unit_type="layer_norm_lstm", num_embeddings_partitions=2,
                    src_vocab_size=11, tgt_vocab_size=13, beam_width=2),
        seed=6, eos_scale=3.0, source_lengths=[4, 6, 3], target_lengths=[5, 2, 3]),
}

SOS_ID, EOS_ID = 1, 2
