"""City Diplomacy Knowledge Graph: cities, city networks and their agreements as linked data."""

__version__ = "0.1.0"
