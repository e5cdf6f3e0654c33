"""corpus_tools: build, annotate and release the US-Syria news corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corpus_tools.version import __version__

if TYPE_CHECKING:  # what a type checker sees: the loaders themselves, with their signatures
    from corpus_tools.release.loaders import load, load_pandas

__all__ = ["__version__", "load", "load_pandas"]
_LOADERS = ("load", "load_pandas")


def __getattr__(name: str) -> Any:
    """``load`` (a release config as ``datasets`` objects, after checking checksums) and
    ``load_pandas`` (as a pandas DataFrame with label names) are corpus_tools.release.loaders'
    own functions, imported on first use: ``import corpus_tools`` stays light."""
    if name in _LOADERS:
        from corpus_tools.release import loaders

        return getattr(loaders, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LOADERS})
