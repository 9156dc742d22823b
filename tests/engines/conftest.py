"""The engine fixtures, for the tests of this folder."""

from tests.engines.fixtures import oxigraph_server, remote_endpoint, virtuoso_server  # noqa: F401
