"""External SPARQL engines (Oxigraph's server, OpenLink Virtuoso) started privately on 127.0.0.1 for tests."""
