"""A static HTML viewer of a release: ``build_site(release_dir, out_dir)``; ``serve.site_server(directory)``.

read (release -> records), removed (normalization's removed pieces, from a checkout's raw
files), render (pages as strings), plots (inline SVG), site (writes the whole site), serve
(a loopback HTTP server for convenience). Assets (CSS, JS) ship in ``assets/``.
"""

from corpus_tools.view.site import SiteSummary, build_site

__all__ = ["SiteSummary", "build_site"]
