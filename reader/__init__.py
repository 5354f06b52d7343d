"""newsdesk's own reading models: the training set written for them, the training script and the model card.

The product loads the trained model directories by path (`qa/reading.py`); nothing in qa/ imports this package.
"""
