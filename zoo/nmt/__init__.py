"""tensorflow/nmt's seq2seq models (attention, GNMT) with their original variable names."""
