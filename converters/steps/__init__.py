"""Pipeline steps: pruning (magnitude, 2:4, channels), fine-tuning, and quantized export."""
