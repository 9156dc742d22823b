"""How `cdkg serve` sizes its server (request threads follow the query workers unless asked) and
checks its read timeout."""

from __future__ import annotations

import pytest

from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.serving.server import ServerStartError, request_threads, serve


def test_request_threads_are_one_per_query_worker_one_for_the_quick_lane_and_one_for_pages_by_default():
    assert request_threads(None, EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 4})) == 6
    assert request_threads(None, EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 9})) == 11
    no_lane = EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 4, "CDKG_QUICK_LANE_SECONDS": 0})
    assert request_threads(None, no_lane) == 5


def test_request_threads_asked_for_are_kept():
    assert request_threads(3, EndpointSettings.from_config({"CDKG_QUERY_WORKERS": 9})) == 3


def test_a_request_read_timeout_not_above_zero_is_refused_before_serving(tmp_path):
    from click.testing import CliRunner

    from cdkg.cli import main

    for value in ("0", "-1", "soon"):
        result = CliRunner().invoke(
            main, ["--data-dir", str(tmp_path), "serve", "--request-read-timeout", value]
        )
        assert result.exit_code == 2, result.output
        assert "--request-read-timeout" in result.output
    assert not any(tmp_path.iterdir())  # nothing was built or served


def test_serve_refuses_a_request_read_timeout_not_above_zero(tmp_path):
    with pytest.raises(ServerStartError, match="read timeout must be above 0 s"):
        serve(tmp_path, request_read_timeout=0)
