"""Linked data: resource documents and pages, the dataset's description and dumps, ontology, home, search."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Give `app` the routes that dereference our IRIs and describe the dataset."""
    from cdkg.web.linked_data.dataset_description import blueprint as dataset_description
    from cdkg.web.linked_data.documents import blueprint as documents
    from cdkg.web.linked_data.dumps import blueprint as dumps
    from cdkg.web.linked_data.home import blueprint as home
    from cdkg.web.linked_data.ontology import blueprint as ontology
    from cdkg.web.linked_data.search import blueprint as search

    for blueprint in (home, ontology, documents, search, dumps, dataset_description):
        app.register_blueprint(blueprint)
