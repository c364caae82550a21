"""Each chapter's reference solutions and bank, one module per chapter (``test_chNN.py``)."""
