"""corpus_tools: build, annotate and release the US-Syria news corpus."""

from corpus_tools.version import __version__

__all__ = ["__version__"]
