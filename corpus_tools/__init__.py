"""corpus_tools: build, annotate and release the US-Syria news corpus."""

from corpus_tools.version import __version__

__all__ = ["__version__"]


def load(release, config, **kwargs):
    """A release config as ``datasets`` objects, after checking checksums; ``release`` is a release
    directory anywhere, or a version in ./dist (corpus_tools.release.loaders.load)."""
    from corpus_tools.release.loaders import load as _load

    return _load(release, config, **kwargs)


def load_pandas(release, config, **kwargs):
    """A release config as a pandas DataFrame with label names (corpus_tools.release.loaders.load_pandas)."""
    from corpus_tools.release.loaders import load_pandas as _load_pandas

    return _load_pandas(release, config, **kwargs)


__all__ += ["load", "load_pandas"]
