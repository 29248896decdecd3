"""Each family's preprocessing, as one function `(features, label, seed, training)`.

The function a run uses is gin-configured (`finetune.preprocess`). Its random
choices (training only) are stateless, drawn from `seed`: a `[2]` int64 tensor
the loop builds from the run's seed (`finetune.seed`) and the example's index
in the repeated, shuffled stream, so the pipeline is deterministic and its
iterator can be checkpointed (a resumed run sees the examples the interrupted
one would have).
"""

import gin
import tensorflow as tf

from zoo import official_resnet_preprocessing
from zoo.slim import inception_preprocessing
from zoo.slim import vgg_preprocessing


def _rgb(image):
    """Grayscale images (MNIST-like) as three channels, for the image models."""
    if image.shape[-1] == 1:
        return tf.image.grayscale_to_rgb(image)
    return image


@gin.configurable
def slim_vgg(image, label, seed, training, *, image_size=224, resize_side_min=256,
             resize_side_max=512):
    """TF-Slim's `vgg_preprocessing` (slim's resnet_v1 / vgg checkpoints were trained with it)."""
    return vgg_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, resize_side_min=resize_side_min,
        resize_side_max=resize_side_max, seed=seed), label


@gin.configurable
def slim_inception(image, label, seed, training, *, image_size=224):
    """TF-Slim's `inception_preprocessing` (slim's resnet_v2 / inception checkpoints)."""
    return inception_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, seed=seed), label


@gin.configurable
def official_resnet(image, label, seed, training, *, image_size=224):
    """official/resnet's `imagenet_preprocessing` (the official ResNet checkpoints)."""
    return official_resnet_preprocessing.preprocess_image(
        _rgb(image), image_size, image_size, is_training=training, seed=seed), label


@gin.configurable
def scaled(image, label, seed, training, *, image_size=224):
    """Resize to `image_size`, scale to [-1, 1]; random left-right flips when training."""
    image = tf.image.resize(tf.cast(_rgb(image), tf.float32), [image_size, image_size])
    if training:
        image = tf.image.stateless_random_flip_left_right(image, seed)
    return image / 127.5 - 1.0, label


_WORDPIECE = {}


def _wordpiece(vocab_file, do_lower_case):
    """One tokenizer per vocabulary (its lookup table is built once, not per example)."""
    from zoo.text.wordpiece import WordPieceTokenizer  # pylint: disable=import-outside-toplevel
    key = (vocab_file, do_lower_case)
    if key not in _WORDPIECE:
        # Built eagerly (outside the tf.data function being traced), so its
        # table serves every pipeline of the run, not just the first.
        with tf.init_scope():
            _WORDPIECE[key] = WordPieceTokenizer(vocab_file, do_lower_case=do_lower_case)
    return _WORDPIECE[key]


@gin.configurable
def bert_classify(text, label, seed, training, *, vocab_file=gin.REQUIRED, max_seq_length=128,
                  do_lower_case=True):
    """run_classifier.py's inputs for one sentence: WordPiece ids, mask and segment ids."""
    del seed, training  # (no random augmentation, as run_classifier)
    inputs = _wordpiece(vocab_file, do_lower_case).bert_inputs(text, max_seq_length=max_seq_length)
    return {"input_ids": inputs["input_ids"], "input_mask": inputs["input_mask"],
            "token_type_ids": inputs["segment_ids"]}, label


@gin.configurable
def t2t_translate(inputs, targets, seed, training, *, max_length=256):
    """A t2t translation pair (ids, EOS ended) as the Transformer's inputs; targets are the labels.

    Pairs longer than `max_length` are cut (t2t drops them from training;
    cutting keeps the stream's length and so its resume position).
    """
    del seed, training
    inputs, targets = inputs[:max_length], targets[:max_length]
    return {"inputs": inputs, "targets": targets}, targets


@gin.configurable
def nmt_translate(source, target, seed, training, *, sos_id=1, eos_id=2, src_max_len=50,
                  tgt_max_len=50):
    """An nmt pair as its iterator builds it: the model's four inputs and the labels.

    Sources and targets are cut to `src_max_len` / `tgt_max_len` (nmt's
    hparams of those names); `target_input` is `<s>` + target and the label
    `target_output` is target + `</s>` (ids of nmt's vocab order: 1 and 2).
    """
    del seed, training
    source, target = source[:src_max_len], target[:tgt_max_len]
    target_input = tf.concat([[sos_id], target], 0)
    target_output = tf.concat([target, [eos_id]], 0)
    lengths = tf.size(target_input, out_type=tf.int32)
    return ({"source": source, "source_lengths": tf.size(source, out_type=tf.int32),
             "target_input": target_input, "target_lengths": lengths},
            {"target_output": target_output, "target_lengths": lengths})
