"""Storage of the graph: the data directory's builds and read access to the one being served."""
