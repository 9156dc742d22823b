"""Getting facts in: Wikidata query results and curated Turtle, mapped to the ontology."""
