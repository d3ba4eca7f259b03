"""kg: knowledge graphs of the AI-compute and semiconductor industry from news articles.

The extractor as a library (kg.nlp, loaded on first use so `import kg` stays cheap):

    >>> import kg
    >>> kg.extract_text("摩尔线程创始人张建中表示")["entities"][0]["class"]
    'Company'
"""

__version__ = "0.1.0"

__all__ = ["__version__", "extract_file", "extract_text", "pipe"]


def __getattr__(name: str):
    if name in ("extract_text", "extract_file", "pipe"):
        from . import nlp

        return getattr(nlp, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
