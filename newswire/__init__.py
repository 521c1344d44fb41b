"""newswire: a news agency's news flow system."""

__version__ = "0.1.0"
