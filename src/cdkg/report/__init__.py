"""Reports read from the published graph for the people who edit its sources; nothing here writes anywhere
but local files.

Layering: report -> graph -> config (and cdkg.namespaces); never the web layer, the build or the CLI.
"""
