"""tensorflow/nmt's `Model`, `AttentionModel` and `GNMTModel` as one tracked Keras layer.

The functions follow nmt's methods of the same names, in the same scopes and
order: `embeddings/...` first, then everything under `dynamic_seq2seq/`
(`encoder/`, then `decoder/` with its cell, memory layer and
`output_projection`). nmt picks the model class from the hparams (no
`attention`: `Model`; `attention_architecture` "standard": `AttentionModel`;
"gnmt"/"gnmt_v2": `GNMTModel`); so does `_build_decoder_cell` here.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras

import tf1track_core
from tf1track_core import seq2seq
from tf1track_core.layers.core import Dense
from zoo.nmt import model_helper
from zoo.nmt.gnmt import GNMTAttentionMultiCell, gnmt_residual_fn
from zoo.nmt.hparams import make_hparams
from zoo.nmt.vocab import Vocabulary
from zoo.registry import register

v1 = tf.compat.v1

# nmt's inference length without tgt_max_len_infer: twice the longest source.
DECODING_LENGTH_FACTOR = 2.0


def _embedding_fn(embedding):
    """TF1's `embedding_lookup` (its "mod" sharding, for partitioned tables) as a function."""
    return lambda ids: v1.nn.embedding_lookup(embedding, ids)


class NMTModel(keras.layers.Layer):
    """nmt's seq2seq models: `call` gives training logits, `translate` decodes.

    `call(source, source_lengths, target_input, target_lengths,
    training=False)`: batch-major int ids `[batch, time]` and lengths
    `[batch]` (nmt's iterator's `source`, `target_input` = `<s>` + target);
    returns the teacher-forced logits `[batch, max(target_lengths),
    tgt_vocab_size]`, batch-major whatever `time_major` (which only sets how
    the graph runs inside, as in nmt).

    `translate(source, source_lengths=None)`: greedy decoding for hparams
    `beam_width` 0 (sampling for `infer_mode` "sample"), else beam search
    (`length_penalty_weight`, `coverage_penalty_weight`); returns `{"ids": [batch, length] (the best
    beam), "lengths": [batch]}`, the lengths counting ids before the first
    `</s>` (ids after it are `</s>`). `source` may also be a `[batch]`
    string tensor of space-separated tokens when the hparams name a
    `src_vocab_file` (and `tgt_vocab_file`): the output then also has
    `"text"`, the translations up to `</s>`.
    """

    def __init__(self, hparams, **kwargs):
        super().__init__(**kwargs)
        self.hparams = hparams
        self.src_vocab = (Vocabulary(hparams.src_vocab_file, hparams, "src")
                          if hparams.src_vocab_file else None)
        self.tgt_vocab = (Vocabulary(hparams.tgt_vocab_file, hparams, "tgt")
                          if hparams.tgt_vocab_file else None)
        self.tgt_sos_id = self.tgt_vocab.id_of(hparams.sos) if self.tgt_vocab else 1
        self.tgt_eos_id = self.tgt_vocab.id_of(hparams.eos) if self.tgt_vocab else 2

    def example_inputs(self, batch_size=1, length=4):
        """`{"source", "source_lengths", "target_input", "target_lengths"}` of small ids."""
        ids = np.full([batch_size, length], 3 % self.hparams.src_vocab_size, np.int32)
        target = np.full([batch_size, length], 3 % self.hparams.tgt_vocab_size, np.int32)
        target[:, 0] = self.tgt_sos_id
        lengths = np.full([batch_size], length, np.int32)
        return {"source": ids, "source_lengths": lengths, "target_input": target,
                "target_lengths": lengths.copy()}

    def serving_input_specs(self):
        """Any batch and lengths of int32 ids and lengths."""
        return [tf.TensorSpec([None, None], tf.int32, name="source"),
                tf.TensorSpec([None], tf.int32, name="source_lengths"),
                tf.TensorSpec([None, None], tf.int32, name="target_input"),
                tf.TensorSpec([None], tf.int32, name="target_lengths")]

    def extra_serving_signatures(self):
        """`translate` on ids for an exported SavedModel, and `translate_text` given vocab files."""

        def translate(source, source_lengths):
            out = self.translate(source, source_lengths)
            return {"ids": out["ids"], "lengths": out["lengths"]}

        signatures = {"translate": (translate, [
            tf.TensorSpec([None, None], tf.int32, name="source"),
            tf.TensorSpec([None], tf.int32, name="source_lengths")])}
        if self.src_vocab is not None and self.tgt_vocab is not None:
            signatures["translate_text"] = (lambda text: self.translate(text), [
                tf.TensorSpec([None], tf.string, name="text")])
        return signatures

    # -- inputs -------------------------------------------------------------------------

    def _ids_and_lengths(self, ids, lengths, name, vocab_size, vocab_key):
        """Checked `[batch, time]` int32 ids and `[batch]` lengths (default: the full time)."""
        ids = tf.convert_to_tensor(ids)
        if not ids.dtype.is_integer:
            raise TypeError(f"nmt: {name} must be integer ids, got dtype {ids.dtype.name}.")
        if ids.shape.rank != 2:
            raise ValueError(f"nmt: {name} must be [batch, time] ids, got shape {ids.shape}.")
        ids = tf.cast(ids, tf.int32)
        lengths_name = f"{name.replace('_input', '')}_lengths"
        if lengths is None:
            lengths = tf.fill(tf.shape(ids)[:1], tf.shape(ids)[1])
        else:
            lengths = tf.convert_to_tensor(lengths)
            if not lengths.dtype.is_integer:
                raise TypeError(f"nmt: {lengths_name} must be integers, got dtype "
                                f"{lengths.dtype.name}.")
            if lengths.shape.rank != 1 or not lengths.shape.is_compatible_with(ids.shape[:1]):
                raise ValueError(f"nmt: {lengths_name} must be [batch] for {name} of shape "
                                 f"{ids.shape}, got shape {lengths.shape}.")
            lengths = tf.cast(lengths, tf.int32)
            static_lengths, time = tf.get_static_value(lengths), ids.shape[1]
            if static_lengths is not None and time is not None and (
                    static_lengths > time).any():
                raise ValueError(f"nmt: {lengths_name} {static_lengths.tolist()} exceed the "
                                 f"time axis of {name} ({time}).")
        checks = [
            tf.debugging.assert_non_negative(ids, message=f"nmt: {name} has a negative id"),
            tf.debugging.assert_less(ids, vocab_size,
                                     message=f"nmt: {name} has an id >= {vocab_key} "
                                             f"{vocab_size}"),
            tf.debugging.assert_equal(tf.shape(lengths), tf.shape(ids)[:1],
                                      message=f"nmt: {lengths_name} must be [batch] for {name}"),
            tf.debugging.assert_non_negative(lengths,
                                             message=f"nmt: {lengths_name} has a negative value"),
            tf.debugging.assert_less_equal(lengths, tf.shape(ids)[1],
                                           message=f"nmt: {lengths_name} exceed the time axis "
                                                   f"of {name}"),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(ids), tf.identity(lengths)

    def _source(self, source, source_lengths):
        hparams = self.hparams
        source = tf.convert_to_tensor(source)
        if source.dtype == tf.string:
            if self.src_vocab is None:
                raise ValueError("nmt: text source needs hparams src_vocab_file (nmt's vocab.src).")
            if source_lengths is not None:
                raise ValueError("nmt: text source gives its own lengths; pass "
                                 "source_lengths=None.")
            source, source_lengths = self.src_vocab.lookup(source)
        return self._ids_and_lengths(source, source_lengths, "source", hparams.src_vocab_size,
                                     "src_vocab_size")

    # -- the graph ------------------------------------------------------------------------

    @tf1track_core.track_tf1_style_variables
    def call(self, source, source_lengths, target_input, target_lengths, training=False,
             return_end_points=False):
        """Teacher-forced logits `[batch, max(target_lengths), tgt_vocab_size]`."""
        training = bool(training)
        hparams = self.hparams
        source, source_lengths = self._source(source, source_lengths)
        target_input, target_lengths = self._ids_and_lengths(
            target_input, target_lengths, "target_input", hparams.tgt_vocab_size,
            "tgt_vocab_size")
        with v1.variable_scope(v1.get_variable_scope(), initializer=self._initializer()):
            embedding_encoder, embedding_decoder = self.init_embeddings()
            with v1.variable_scope(hparams.scope or "dynamic_seq2seq"):
                encoder_outputs, encoder_state = self._build_encoder(source, source_lengths,
                                                                     embedding_encoder, training)
                with v1.variable_scope("decoder") as decoder_scope:
                    cell, initial_state = self._build_decoder_cell(
                        encoder_outputs, encoder_state, source_lengths, training, beam_width=0)
                    output_layer = self._output_layer()
                    if hparams.time_major:
                        target_input = tf.transpose(target_input)
                    decoder_emb_inp = v1.nn.embedding_lookup(embedding_decoder, target_input)
                    helper = seq2seq.TrainingHelper(decoder_emb_inp, target_lengths,
                                                    time_major=hparams.time_major)
                    decoder = seq2seq.BasicDecoder(cell, helper, initial_state)
                    outputs, _, _ = seq2seq.dynamic_decode(
                        decoder, output_time_major=hparams.time_major, swap_memory=True,
                        scope=decoder_scope)
                    # nmt applies the projection to all steps at once, outside the loop.
                    logits = output_layer(outputs.rnn_output)
        if hparams.time_major:
            logits = tf.transpose(logits, [1, 0, 2])
        if return_end_points:
            return {"logits": logits, "encoder_outputs": encoder_outputs,
                    "rnn_output": outputs.rnn_output, "sample_id": outputs.sample_id}
        return logits

    @tf1track_core.track_tf1_style_variables
    def translate(self, source, source_lengths=None, beam_width=None, length_penalty_weight=None,
                  coverage_penalty_weight=None, maximum_iterations=None,
                  return_end_points=False):
        """Decodes `source` (see the class docstring); the keywords override the hparams."""
        hparams = self.hparams
        beam_width = hparams.beam_width if beam_width is None else beam_width
        if not isinstance(beam_width, (int, np.integer)) or beam_width < 0:
            raise ValueError(f"nmt: beam_width must be an integer >= 0, got {beam_width!r}.")
        length_penalty_weight = (hparams.length_penalty_weight if length_penalty_weight is None
                                 else length_penalty_weight)
        coverage_penalty_weight = (hparams.coverage_penalty_weight
                                   if coverage_penalty_weight is None
                                   else coverage_penalty_weight)
        text_source = tf.convert_to_tensor(source).dtype == tf.string
        source, source_lengths = self._source(source, source_lengths)
        with v1.variable_scope(v1.get_variable_scope(), initializer=self._initializer()):
            embedding_encoder, embedding_decoder = self.init_embeddings()
            with v1.variable_scope(hparams.scope or "dynamic_seq2seq"):
                encoder_outputs, encoder_state = self._build_encoder(source, source_lengths,
                                                                     embedding_encoder, False)
                outputs, final_state, lengths = self._infer_decoder(
                    encoder_outputs, encoder_state, source_lengths, embedding_decoder,
                    beam_width, length_penalty_weight, coverage_penalty_weight,
                    maximum_iterations)
        if beam_width > 0:
            ids = outputs.predicted_ids
            ids = ids[:, :, 0] if not hparams.time_major else tf.transpose(ids[:, :, 0])
        else:
            ids = outputs.sample_id if not hparams.time_major else tf.transpose(outputs.sample_id)
        ids, lengths_before_eos = self._cut_at_eos(ids)
        result = {"ids": ids, "lengths": lengths_before_eos}
        if text_source and self.tgt_vocab is not None:
            result["text"] = self.tgt_vocab.text(ids, lengths_before_eos)
        if return_end_points:
            result.update(decoder_outputs=outputs, final_state=final_state,
                          decoder_lengths=lengths)
        return result

    def _cut_at_eos(self, ids):
        """`</s>` after the first `</s>`; lengths are the ids before it."""
        is_eos = tf.equal(ids, self.tgt_eos_id)
        after_eos = tf.cast(tf.cumsum(tf.cast(is_eos, tf.int32), axis=1), tf.bool)
        ids = tf.where(after_eos, tf.fill(tf.shape(ids), self.tgt_eos_id), ids)
        lengths = tf.reduce_sum(1 - tf.cast(after_eos, tf.int32), axis=1)
        return ids, lengths

    def _initializer(self):
        hparams = self.hparams
        return model_helper.get_initializer(hparams.init_op, hparams.random_seed,
                                            hparams.init_weight)

    def _output_layer(self):
        # Created in the decoder scope: its variable is `decoder/output_projection/kernel`.
        return Dense(self.hparams.tgt_vocab_size, use_bias=False, name="output_projection")

    def init_embeddings(self):
        """`(embedding_encoder, embedding_decoder)` (one table with `share_vocab`)."""
        hparams = self.hparams
        return model_helper.create_emb_for_encoder_and_decoder(
            share_vocab=hparams.share_vocab, src_vocab_size=hparams.src_vocab_size,
            tgt_vocab_size=hparams.tgt_vocab_size, src_embed_size=hparams.num_units,
            tgt_embed_size=hparams.num_units, num_enc_partitions=hparams.num_enc_emb_partitions,
            num_dec_partitions=hparams.num_dec_emb_partitions)

    # -- encoder --------------------------------------------------------------------------

    def _build_encoder_cell(self, num_layers, num_residual_layers, training):
        hparams = self.hparams
        return model_helper.create_rnn_cell(
            hparams.unit_type, hparams.num_units, num_layers, num_residual_layers,
            hparams.forget_bias, hparams.dropout, training)

    def _build_encoder(self, source, source_lengths, embedding_encoder, training):
        """`(encoder_outputs, encoder_state)`; outputs are time-major with `time_major`."""
        hparams = self.hparams
        with v1.variable_scope("encoder"):
            if hparams.time_major:
                source = tf.transpose(source)
            encoder_emb_inp = v1.nn.embedding_lookup(embedding_encoder, source)
            if hparams.encoder_type == "uni":
                cell = self._build_encoder_cell(hparams.num_encoder_layers,
                                                hparams.num_encoder_residual_layers, training)
                return v1.nn.dynamic_rnn(cell, encoder_emb_inp, dtype=tf.float32,
                                         sequence_length=source_lengths,
                                         time_major=hparams.time_major, swap_memory=True)
            if hparams.encoder_type == "bi":
                num_bi_layers = hparams.num_encoder_layers // 2
                num_bi_residual_layers = hparams.num_encoder_residual_layers // 2
                encoder_outputs, bi_encoder_state = self._build_bidirectional_rnn(
                    encoder_emb_inp, source_lengths, num_bi_layers, num_bi_residual_layers,
                    training)
                if num_bi_layers == 1:
                    return encoder_outputs, bi_encoder_state
                # Alternately the forward and backward state of each layer.
                encoder_state = []
                for layer_id in range(num_bi_layers):
                    encoder_state.append(bi_encoder_state[0][layer_id])
                    encoder_state.append(bi_encoder_state[1][layer_id])
                return encoder_outputs, tuple(encoder_state)
            # gnmt: one bidirectional layer, then uni layers over its outputs.
            num_uni_layers = hparams.num_encoder_layers - 1
            bi_encoder_outputs, bi_encoder_state = self._build_bidirectional_rnn(
                encoder_emb_inp, source_lengths, 1, 0, training)
            uni_cell = model_helper.create_rnn_cell(
                hparams.unit_type, hparams.num_units, num_uni_layers,
                hparams.num_encoder_residual_layers, hparams.forget_bias, hparams.dropout,
                training)
            encoder_outputs, encoder_state = v1.nn.dynamic_rnn(
                uni_cell, bi_encoder_outputs, dtype=tf.float32, sequence_length=source_lengths,
                time_major=hparams.time_major)
            # The bi layer passes its backward state to the decoder.
            encoder_state = (bi_encoder_state[1],) + (
                (encoder_state,) if num_uni_layers == 1 else encoder_state)
            return encoder_outputs, encoder_state

    def _build_bidirectional_rnn(self, inputs, sequence_length, num_bi_layers,
                                 num_bi_residual_layers, training):
        fw_cell = self._build_encoder_cell(num_bi_layers, num_bi_residual_layers, training)
        bw_cell = self._build_encoder_cell(num_bi_layers, num_bi_residual_layers, training)
        bi_outputs, bi_state = v1.nn.bidirectional_dynamic_rnn(
            fw_cell, bw_cell, inputs, dtype=tf.float32, sequence_length=sequence_length,
            time_major=self.hparams.time_major, swap_memory=True)
        return tf.concat(bi_outputs, -1), bi_state

    # -- decoder --------------------------------------------------------------------------

    def _build_decoder_cell(self, encoder_outputs, encoder_state, source_lengths, training,
                            beam_width):
        """`(cell, initial_state)`, for `batch * beam_width` entries under beam search."""
        hparams = self.hparams
        if not hparams.attention:
            return self._plain_decoder_cell(encoder_state, training, beam_width)
        memory = (tf.transpose(encoder_outputs, [1, 0, 2]) if hparams.time_major
                  else encoder_outputs)
        batch_size = tf.size(source_lengths)
        if beam_width > 0:
            memory = seq2seq.tile_batch(memory, multiplier=beam_width)
            source_lengths = seq2seq.tile_batch(source_lengths, multiplier=beam_width)
            encoder_state = seq2seq.tile_batch(encoder_state, multiplier=beam_width)
            batch_size = batch_size * beam_width
        attention_mechanism = model_helper.create_attention_mechanism(
            hparams.attention, hparams.num_units, memory, source_lengths)
        # Alignment history only for greedy inference, as nmt (its attention images).
        alignment_history = not training and beam_width == 0
        if hparams.attention_architecture == "standard":
            cell = model_helper.create_rnn_cell(
                hparams.unit_type, hparams.num_units, hparams.num_decoder_layers,
                hparams.num_decoder_residual_layers, hparams.forget_bias, hparams.dropout,
                training)
            cell = seq2seq.AttentionWrapper(
                cell, attention_mechanism, attention_layer_size=hparams.num_units,
                alignment_history=alignment_history, output_attention=hparams.output_attention,
                name="attention")
            zero_state = cell.zero_state(batch_size, tf.float32)
            if hparams.pass_hidden_state:
                return cell, zero_state.clone(cell_state=encoder_state)
            return cell, zero_state
        # GNMT: only the bottom cell attends (no attention layer); the others read it.
        cell_list = model_helper.cell_list(
            hparams.unit_type, hparams.num_units, hparams.num_decoder_layers,
            hparams.num_decoder_residual_layers, hparams.forget_bias, hparams.dropout, training,
            residual_fn=gnmt_residual_fn)
        attention_cell = seq2seq.AttentionWrapper(
            cell_list.pop(0), attention_mechanism, attention_layer_size=None,
            output_attention=False, alignment_history=alignment_history, name="attention")
        cell = GNMTAttentionMultiCell(
            attention_cell, cell_list,
            use_new_attention=hparams.attention_architecture == "gnmt_v2")
        zero_state = cell.zero_state(batch_size, tf.float32)
        if hparams.pass_hidden_state:
            return cell, tuple(
                zs.clone(cell_state=es) if isinstance(zs, seq2seq.AttentionWrapperState) else es
                for zs, es in zip(zero_state, encoder_state))
        return cell, zero_state

    def _plain_decoder_cell(self, encoder_state, training, beam_width):
        hparams = self.hparams
        cell = model_helper.create_rnn_cell(
            hparams.unit_type, hparams.num_units, hparams.num_decoder_layers,
            hparams.num_decoder_residual_layers, hparams.forget_bias, hparams.dropout, training)
        if beam_width > 0:
            return cell, seq2seq.tile_batch(encoder_state, multiplier=beam_width)
        return cell, encoder_state

    def _infer_decoder(self, encoder_outputs, encoder_state, source_lengths, embedding_decoder,
                       beam_width, length_penalty_weight, coverage_penalty_weight,
                       maximum_iterations):
        """nmt's `_build_decoder` in INFER mode: `(outputs, final_state, lengths)`."""
        hparams = self.hparams
        if maximum_iterations is None:
            if hparams.tgt_max_len_infer:
                maximum_iterations = hparams.tgt_max_len_infer
            else:
                max_encoder_length = tf.reduce_max(source_lengths)
                maximum_iterations = tf.cast(tf.round(
                    tf.cast(max_encoder_length, tf.float32) * DECODING_LENGTH_FACTOR), tf.int32)
        with v1.variable_scope("decoder") as decoder_scope:
            cell, initial_state = self._build_decoder_cell(
                encoder_outputs, encoder_state, source_lengths, False, beam_width)
            output_layer = self._output_layer()
            start_tokens = tf.fill([tf.size(source_lengths)], self.tgt_sos_id)
            if beam_width > 0:
                decoder = seq2seq.BeamSearchDecoder(
                    cell=cell, embedding=_embedding_fn(embedding_decoder),
                    start_tokens=start_tokens, end_token=self.tgt_eos_id,
                    initial_state=initial_state, beam_width=beam_width,
                    output_layer=output_layer, length_penalty_weight=length_penalty_weight,
                    coverage_penalty_weight=coverage_penalty_weight)
            elif hparams.infer_mode == "sample":
                helper = seq2seq.SampleEmbeddingHelper(
                    _embedding_fn(embedding_decoder), start_tokens, self.tgt_eos_id,
                    softmax_temperature=hparams.sampling_temperature, seed=hparams.random_seed)
                decoder = seq2seq.BasicDecoder(cell, helper, initial_state,
                                               output_layer=output_layer)
            else:
                helper = seq2seq.GreedyEmbeddingHelper(_embedding_fn(embedding_decoder),
                                                       start_tokens, self.tgt_eos_id)
                decoder = seq2seq.BasicDecoder(cell, helper, initial_state,
                                               output_layer=output_layer)
            return seq2seq.dynamic_decode(decoder, maximum_iterations=maximum_iterations,
                                          output_time_major=hparams.time_major,
                                          swap_memory=True, scope=decoder_scope)


@register("nmt")
def build_nmt(**config):
    """`nmt`: nmt hparams names (its saved `hparams` file as it is); see `zoo.nmt.hparams`."""
    return NMTModel(make_hparams(config))
