"""Training: sft, dpo, rft, prm and the lab experiment (`python -m synthqa.train.<method> --run-dir
…`), the training sets built from the store (pairs.py) and their launch as jobs."""
