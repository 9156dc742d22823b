"""HTTP to a remote SPARQL engine: one session per reader or loader, credentials from the environment only,
and every transport failure turned into a RemoteStoreError that names the engine URL and what to check."""

from __future__ import annotations

import os
import re

import requests
from requests.auth import AuthBase, HTTPDigestAuth, _basic_auth_str

from cdkg.graph.remote.errors import RemoteStoreError
from cdkg.graph.remote.store_config import CREDENTIALS_ENVIRONMENT

_USER_ENV, _PASSWORD_ENV = CREDENTIALS_ENVIRONMENT
_MESSAGE_CHARS = 600


class ChallengedAuth(HTTPDigestAuth):
    """Answers the engine's own challenge: digest when it asks for digest (Virtuoso), basic when it asks for
    basic (Fuseki and most others); after one basic challenge, later requests carry basic credentials."""

    def __init__(self, username: str, password: str) -> None:
        super().__init__(username, password)
        self._basic = False

    def __repr__(self) -> str:
        return "ChallengedAuth(credentials from the environment)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._basic:
            request.headers["Authorization"] = _basic_auth_str(self.username, self.password)
            return request
        return super().__call__(request)

    def handle_401(self, response: requests.Response, **kwargs) -> requests.Response:
        challenge = response.headers.get("www-authenticate", "")
        if response.status_code != 401 or self._basic or not challenge.lower().startswith("basic"):
            return super().handle_401(response, **kwargs)
        self._basic = True
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.headers["Authorization"] = _basic_auth_str(self.username, self.password)
        answer = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        return answer


def environment_auth() -> AuthBase | None:
    """The engine credentials of $CDKG_STORE_USER / $CDKG_STORE_PASSWORD, or None when neither is set."""
    user, password = os.environ.get(_USER_ENV), os.environ.get(_PASSWORD_ENV)
    if not user and not password:
        return None
    if not user or not password:
        missing = _USER_ENV if not user else _PASSWORD_ENV
        raise RemoteStoreError(
            f"${missing} is not set: set both {_USER_ENV} and {_PASSWORD_ENV}, or neither."
        )
    return ChallengedAuth(user, password)


def engine_session() -> requests.Session:
    """A session reused for every request to one engine (keep-alive), authenticated from the environment."""
    session = requests.Session()
    session.auth = environment_auth()
    session.trust_env = False
    return session


def send(session: requests.Session, method: str, url: str, *, doing: str, **options) -> requests.Response:
    """One request; a refused connection or a timeout raises RemoteStoreError with what to check."""
    try:
        return session.request(method, url, **options)
    except requests.Timeout:
        raise RemoteStoreError(
            f"{doing}: the engine at {url} did not answer within {options.get('timeout')} s; check that it "
            "is not overloaded, simplify the query, or allow more time."
        ) from None
    except requests.ConnectionError as error:
        reason = type(error.__context__ or error).__name__
        raise RemoteStoreError(
            f"{doing}: cannot connect to the engine at {url} ({reason}); check that it is running and that "
            "the store URL names its host and port."
        ) from None
    except requests.RequestException as error:
        raise RemoteStoreError(f"{doing}: the request to {url} failed ({type(error).__name__}).") from None


def refused(response: requests.Response, doing: str) -> RemoteStoreError:
    """The error for an engine's non-success answer, with its status, its own words and what to check."""
    url = response.url.split("?")[0]
    status = response.status_code
    if status in (401, 403):
        hint = (
            f"check the credentials in ${_USER_ENV} / ${_PASSWORD_ENV} and that this account may write "
            "(Virtuoso: the SPARQL_UPDATE role)"
        )
    elif status == 404:
        hint = "check the store URL: the engine has no such service at this path"
    elif status >= 500:
        hint = "see the engine's own log"
    else:
        hint = "the engine refused the request"
    return RemoteStoreError(
        f"{doing}: the engine at {url} answered {status} {response.reason}: "
        f"{engine_message(response)} ({hint})."
    )


def engine_message(response: requests.Response) -> str:
    """The engine's answer text, shortened, on one line, without the query Virtuoso echoes after its error."""
    text = response.content.decode("utf-8", "replace")
    text = text.split("\nSPARQL query:", 1)[0]
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _MESSAGE_CHARS else text[:_MESSAGE_CHARS] + "…"
