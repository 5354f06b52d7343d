"""Question answering over the index: prompts, answering, citation checks and evaluation."""
