"""kg: an offline knowledge graph of machine-learning research."""

__version__ = "0.1.0"
