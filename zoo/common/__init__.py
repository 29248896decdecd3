"""What the zoo's sequence models share: attention, masks, position signals, dense, layer norm.

Written once here and used by the tensor2tensor Transformer and BERT (and
ready for tensorflow/nmt): each function creates its variables with
`tf.compat.v1.get_variable` under the scope it is given, so the calling model
keeps its upstream checkpoint names.
"""
