"""Training: the trainer, its resumable state, and several processes (torchrun)."""
