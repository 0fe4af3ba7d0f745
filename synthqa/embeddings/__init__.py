"""Solution embeddings: the models (static, MiniLM) and the static model's distillation."""
