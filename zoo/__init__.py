"""zoo: classic TF1 models ported as tracked Keras layers (filled in by later issues)."""
