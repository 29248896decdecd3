"""google-research/bert (bert-tensorflow 1.0.4) as a tracked Keras layer, `zoo.build("bert")`.

`config.py` (`BertConfig`: a `bert_config.json` as it is, plus the head
keys), `modeling.py` (upstream's `modeling.py`: embeddings, encoder, pooler,
the layer and its registry entry) and `heads.py` (the heads of
run_pretraining.py and run_classifier.py).
"""
