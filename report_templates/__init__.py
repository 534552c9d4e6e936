"""jinja2 templates of the reports, shipped in the wheel (see ``[tool.setuptools.package-data]``).

=========================== ==============================================================
file                        what
=========================== ==============================================================
model_card.md.j2            the Markdown card (every output Markdown-escaped by the environment)
model_card.html.j2          the printable HTML card, static SVG charts, no script
dashboard.html.j2           the one-file offline dashboard: data as escaped JSON + static/dashboard.js
partials/macros.html.j2     HTML macros shared by the card
static/card.css             inlined into model_card.html
static/dashboard.css, .js   inlined into dashboard.html (no external reference, no innerHTML)
=========================== ==============================================================

Templates only lay out the plain context built by ``rai.report.build_context``; they never
compute. Rendering lives in ``rai.report._render``.
"""
