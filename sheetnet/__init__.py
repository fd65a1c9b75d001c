"""sheetnet: train a small neural network step by step, as tables and as a live-formula workbook."""

__version__ = "0.1.0"
