"""The arithmetic lab: checkable multi-step problems and two tiny models trained on them."""
