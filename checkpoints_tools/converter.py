"""Converting between TF1 name-based checkpoints and TF2 artifacts of a tracked model.

* `export_tf2(model, output_dir, inputs)`: the model's weights as a TF2
  object-based checkpoint (`tf.train.Checkpoint`) and a SavedModel whose
  `serving_default` signature runs the model in inference mode.
* `save_tf1_checkpoint(model, prefix)`: the weights (e.g. after fine-tuning)
  as a TF1 name-based checkpoint under their TF1 names, which
  `tf.compat.v1.train.Saver` in a TF1 graph restores by those names.
  Partitioned variables are written whole under their full name, which TF1
  restores into any partitioning.
"""

import os
import pathlib

import numpy as np
import tensorflow as tf

import tf1track_core


class _Serving(tf.Module):
    """What the SavedModel holds: the model and its inference function."""

    def __init__(self, model, input_specs):
        super().__init__()
        self.model = model

        @tf.function(input_signature=input_specs)
        def serve(*inputs):
            outputs = model(*inputs, training=False)
            if not isinstance(outputs, dict):
                outputs = {"output": outputs}
            return dict(outputs)

        self.serve = serve


def input_specs_for(inputs):
    """Named `tf.TensorSpec`s matching `{name: example}`, with a free batch dimension."""
    specs = []
    for name, value in inputs.items():
        value = tf.convert_to_tensor(value)
        shape = [None] + list(value.shape[1:]) if value.shape.rank else []
        specs.append(tf.TensorSpec(shape, value.dtype, name=name))
    return specs


def export_tf2(model, output_dir, inputs):
    """Writes `output_dir/tf2_checkpoint/ckpt-*` and `output_dir/saved_model/`.

    (Not `checkpoint/`: TensorFlow's tools read a file of that name in a
    directory as its checkpoint state.)

    Args:
      model: a tracked Keras layer (called at least once) whose call takes the
        inputs positionally and a `training` keyword.
      output_dir: where to write.
      inputs: example inputs `{name: array}` in call order; their names,
        dtypes and non-batch shapes define the serving signature, unless the
        model says otherwise with `serving_input_specs()`.

    Returns:
      `(checkpoint_path, saved_model_dir)`.
    """
    output_dir = pathlib.Path(output_dir)
    checkpoint_path = tf.train.Checkpoint(model=model).write(
        str(output_dir / "tf2_checkpoint" / "ckpt"))
    return checkpoint_path, export_saved_model(model, output_dir / "saved_model", inputs)


def export_saved_model(model, saved_model_dir, inputs):
    """Writes a SavedModel of `model` with a `serving_default` signature; returns its path.

    A model with `extra_serving_signatures()` (`{name: (function, input specs)}`,
    e.g. nmt's `translate`) gets those signatures too.
    """
    specs = model.serving_input_specs() if hasattr(model, "serving_input_specs") \
        else input_specs_for(inputs)
    serving = _Serving(model, specs)
    signatures = {"serving_default": serving.serve}
    extras = model.extra_serving_signatures() if hasattr(model, "extra_serving_signatures") \
        else {}
    for name, (function, input_specs) in extras.items():
        traced = tf.function(function, input_signature=input_specs)
        setattr(serving, name, traced)
        signatures[name] = traced
    tf.saved_model.save(serving, str(saved_model_dir), signatures=signatures)
    return str(saved_model_dir)


def save_tf1_checkpoint(model, prefix):
    """Writes `model`'s variables as a TF1 name-based checkpoint at `prefix`.

    Also writes the `checkpoint` state file beside it, as TF1's `Saver` did.

    Returns:
      The prefix.
    """
    prefix = os.fspath(prefix)
    tensors = {}
    parts = {}
    for name, variable in tf1track_core.tf1_variables(model).items():
        info = variable._get_save_slice_info() if hasattr(variable, "_get_save_slice_info") else None  # pylint: disable=protected-access
        if info is None:
            tensors[name] = variable.read_value()
        else:
            parts.setdefault(info.full_name, []).append((info.var_offset, variable))
    for full_name, pieces in parts.items():
        # Reassemble in offset order: TF1 slices only along one axis.
        pieces.sort(key=lambda piece: piece[0])
        axis = next((i for i, o in enumerate(pieces[-1][0]) if o), 0)
        tensors[full_name] = tf.concat([v.read_value() for _, v in pieces], axis=axis)
    names = sorted(tensors)
    os.makedirs(os.path.dirname(prefix) or ".", exist_ok=True)
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tensors[n] for n in names])
    _write_checkpoint_state(prefix)
    return prefix


def _write_checkpoint_state(prefix):
    # The text `checkpoint` file TF1's Saver kept beside its checkpoints.
    directory, base = os.path.split(prefix)
    state = f'model_checkpoint_path: "{base}"\nall_model_checkpoint_paths: "{base}"\n'
    with open(os.path.join(directory or ".", "checkpoint"), "w") as handle:
        handle.write(state)


def run_saved_model(saved_model_dir, inputs, signature="serving_default"):
    """Runs a signature (`serving_default`) of a SavedModel on `{name: array}`."""
    loaded = tf.saved_model.load(str(saved_model_dir))
    outputs = loaded.signatures[signature](
        **{name: tf.convert_to_tensor(np.asarray(x)) for name, x in inputs.items()})
    return {name: value.numpy() for name, value in outputs.items()}
