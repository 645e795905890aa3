"""The reference server's models area: list, retrieve and delete, over the model table and fine-tuned models."""
