"""``python -m corpus_tools.cli``: the console script, for a checkout without an installed one."""

from corpus_tools.cli import main

main()
