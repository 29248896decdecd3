"""checkpoints_tools: read TF1 checkpoints, load them by name, convert, check parity (later issues)."""
