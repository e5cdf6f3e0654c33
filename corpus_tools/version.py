"""The one place the version lives.

The package and the corpus release share it: a release built by corpus_tools X.Y.Z is
dist/X.Y.Z/. Bump it when the data or the code that shapes the data changes.
"""

__version__ = "1.2.1"
