"""Fine-tuning: training data, the Unsloth trainer, background jobs and the adapter registry."""
