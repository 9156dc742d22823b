"""How `cdkg serve` sizes its server: request threads follow the query workers unless asked."""

from __future__ import annotations

from cdkg.web.endpoint_settings import EndpointSettings
from cdkg.web.server import request_threads


def test_request_threads_are_one_per_query_worker_and_one_for_pages_by_default():
    assert request_threads(None, EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 4})) == 5
    assert request_threads(None, EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 9})) == 10


def test_request_threads_asked_for_are_kept():
    assert request_threads(3, EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 9})) == 3
