"""Measuring a trained model: the paper's metrics, the evaluation suite, and the latent geometry."""
