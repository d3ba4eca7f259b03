"""kg: knowledge graphs of the AI-compute and semiconductor industry from news articles."""

__version__ = "0.1.0"
