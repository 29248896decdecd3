"""tensor2tensor's Transformer (t2t >= 1.3 variable names), as a tracked Keras layer.

`hparams.py` (t2t hyperparameter names, a `hparams.json` as it is),
`common_layers.py` (pre/post-processing, feed-forward, dropout),
`modalities.py` (the sharded symbol embedding and softmax),
`transformer.py` (encoder, decoder, the layer), `fast_decode.py` (the
incremental decoder's cache, greedy decoding) and `beam_search.py`.
"""
