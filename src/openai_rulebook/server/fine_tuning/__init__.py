"""Fine-tuning jobs, their events and checkpoints, and checkpoint permissions (R04.1.13, R05.6.*, R10.1.*, R11.1)."""
