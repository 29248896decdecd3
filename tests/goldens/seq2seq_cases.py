"""The seq2seq cases shared by the reference recorder and the port's test (configs only).

`eos_scale` enlarges the end token's output column so decodes end early
(greedy entries stop at different steps; beams finish and are kept);
`end_at_steps` points the end token's column at each entry's output at
that step, so a greedy decode ends before maximum_iterations (random
weights otherwise settle some entry on another token for ever);
`impute_finished`, `alignment_history` (under beam search), several
`mechanisms` and `compare_without_coverage` (the same weights decoded without
the coverage penalty) make the goldens exercise what the port claims.
"""

BATCH = 2
MEMORY_TIME = 5
MEMORY_DEPTH = 6
EMBED = 3
VOCAB = 7

CASES = {
    "luong_scaled_attention_layer_training": dict(
        mechanism="luong", scale=True, units=4, attention_units=4, attention_layer_size=5,
        output_attention=True, helper="training", memory_length=[5, 3],
        decoder_length=[4, 2]),
    "luong_plain_no_attention_layer_cell_output": dict(
        mechanism="luong", scale=False, units=6, attention_units=6, attention_layer_size=None,
        output_attention=False, helper="training", memory_length=[2, 5],
        decoder_length=[3, 3]),
    "bahdanau_normalized_training": dict(
        mechanism="bahdanau", normalize=True, units=4, attention_units=3,
        attention_layer_size=5, output_attention=True, helper="training",
        memory_length=[4, 5], decoder_length=[2, 4]),
    "bahdanau_plain_greedy": dict(
        mechanism="bahdanau", normalize=False, units=4, attention_units=3,
        attention_layer_size=4, output_attention=True, helper="greedy", start_token=1,
        end_token=2, maximum_iterations=6, memory_length=[5, 2], decoder_length=[1, 1],
        eos_scale=3.0),
    "luong_greedy_impute_finished": dict(
        mechanism="luong", scale=False, units=4, attention_units=4, attention_layer_size=5,
        output_attention=True, helper="greedy", start_token=1, end_token=2,
        maximum_iterations=8, memory_length=[5, 3], decoder_length=[1, 1],
        end_at_steps=[4, 2], impute_finished=True),
    "two_mechanisms_training": dict(
        mechanisms=[dict(mechanism="luong", scale=True, attention_units=4),
                    dict(mechanism="bahdanau", normalize=True, attention_units=3)],
        units=4, attention_layer_size=[3, 4], output_attention=True, helper="training",
        memory_length=[4, 2], decoder_length=[3, 4]),
    "beam_search_luong_no_penalty": dict(
        mechanism="luong", scale=True, units=4, attention_units=4, attention_layer_size=5,
        output_attention=True, helper="beam", beam_width=3, length_penalty_weight=0.0,
        start_token=1, end_token=2, maximum_iterations=6, memory_length=[5, 3],
        decoder_length=[1, 1], eos_scale=5.0),
    "beam_search_bahdanau_length_penalty": dict(
        mechanism="bahdanau", normalize=False, units=4, attention_units=3,
        attention_layer_size=4, output_attention=True, helper="beam", beam_width=3,
        length_penalty_weight=0.6, start_token=1, end_token=2, maximum_iterations=6,
        memory_length=[4, 5], decoder_length=[1, 1], eos_scale=3.0, alignment_history=True),
    "beam_search_luong_coverage_penalty": dict(
        mechanism="luong", scale=False, units=4, attention_units=4, attention_layer_size=5,
        output_attention=True, helper="beam", beam_width=3, length_penalty_weight=0.5,
        coverage_penalty_weight=2.0, start_token=1, end_token=2, maximum_iterations=7,
        memory_length=[5, 3], decoder_length=[1, 1], eos_scale=3.0,
        compare_without_coverage=True),
}
