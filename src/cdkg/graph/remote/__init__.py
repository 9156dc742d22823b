"""Remote SPARQL engines holding our graph (Oxigraph server, Virtuoso, any SPARQL 1.1 store)."""
