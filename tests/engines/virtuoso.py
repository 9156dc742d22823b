"""A private OpenLink Virtuoso 7 instance (Debian's `virtuoso-t`) on 127.0.0.1, with its own database and secrets.

Nothing of the system's Virtuoso is used: the configuration, database, log and load directory live under
`workdir`; the SQL and HTTP ports are free ports of 127.0.0.1 (checked from /proc once it is up). A new database
has the public passwords dba/dba and dav/dav: both are replaced at start by random ones held in this object, and
a loader account gets the SPARQL_UPDATE role, so that writes go to `/sparql-auth` and
`/sparql-graph-crud-auth` with HTTP digest auth while anonymous `/sparql` stays read-only.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

from requests.auth import HTTPDigestAuth

from tests.engines.engine_process import EngineProcess, assert_loopback_only, free_port
from tests.engines.remote_endpoint import RemoteEndpoint

INSTALL_HINT = (
    "OpenLink Virtuoso is not installed (virtuoso-t, isql-vt): on Debian or Ubuntu, "
    "apt-get install -y --no-install-recommends virtuoso-opensource-7-bin "
    "(the programs only: that package starts no system service)"
)
START_TIMEOUT_S = 120
LOADER_USER = "cdkg_loader"
DEFAULT_PASSWORDS = {"dba": "dba", "dav": "dav"}

INI_TEMPLATE = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
AllowOSCalls = 0
DirsAllowed = {load_dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
MaxQueryMem = {max_query_mem}
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
MaxClientConnections = 10
ServerThreads = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 400
"""


def virtuoso_programs() -> tuple[str, str] | None:
    """The paths of `virtuoso-t` and `isql-vt` (Debian's names), or None when either is missing."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


class VirtuosoError(RuntimeError):
    """An isql command failed: the message carries Virtuoso's own error text."""


class VirtuosoServer:
    """A Virtuoso server of our own: start, secure, expose its endpoints, stop."""

    def __init__(
        self,
        workdir: Path,
        result_set_max_rows: int = 10000,
        max_query_execution_s: int = 60,
        buffers: int = 10000,
    ) -> None:
        self.workdir = workdir
        self.db_dir = workdir / "db"
        self.load_dir = workdir / "load"
        self.result_set_max_rows = result_set_max_rows
        self.max_query_execution_s = max_query_execution_s
        self.buffers = buffers
        self.sql_port = 0
        self.http_port = 0
        self.startup_seconds = 0.0
        self.passwords = dict(DEFAULT_PASSWORDS)
        self.loader_password = ""
        self._process: EngineProcess | None = None
        self._isql = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self) -> int:
        assert self._process is not None, "the server is not running"
        return self._process.pid

    @property
    def error_log(self) -> Path:
        return self.db_dir / "virtuoso.log"

    def write_configuration(self) -> Path:
        for directory in (self.db_dir, self.load_dir, self.workdir / "vsp"):
            directory.mkdir(parents=True, exist_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(
            INI_TEMPLATE.format(
                db=self.db_dir,
                load_dir=self.load_dir,
                vsp=self.workdir / "vsp",
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=self.buffers,
                dirty_buffers=self.buffers * 3 // 4,
                max_query_mem=f"{max(200, self.buffers // 50)}M",
                max_rows=self.result_set_max_rows,
                max_seconds=self.max_query_execution_s,
            )
        )
        return ini

    def start(self) -> VirtuosoServer:
        programs = virtuoso_programs()
        if programs is None:
            raise FileNotFoundError(INSTALL_HINT)
        server, self._isql = programs
        self.sql_port, self.http_port = free_port(), free_port()
        ini = self.write_configuration()
        self._process = EngineProcess(
            "virtuoso", [server, "+foreground", "+configfile", str(ini)], self.workdir
        )
        self.startup_seconds = self._process.wait_until_answering(
            f"{self.base_url}/sparql?query=ASK%7B%7D", START_TIMEOUT_S, extra_log=self.error_log
        )
        assert_loopback_only(self._process, {self.sql_port, self.http_port})
        try:
            self._replace_default_passwords()
        except Exception:
            self.stop()
            raise
        return self

    def _replace_default_passwords(self) -> None:
        new = {user: "p" + secrets.token_hex(16) for user in DEFAULT_PASSWORDS}
        self.loader_password = "p" + secrets.token_hex(16)
        self.isql(
            f"USER_PASSWORD_SET('dav', '{new['dav']}');\n"
            f"DB.DBA.USER_CREATE('{LOADER_USER}', '{self.loader_password}');\n"
            f'GRANT SPARQL_UPDATE TO "{LOADER_USER}";\n'
            f"USER_PASSWORD_SET('dba', '{new['dba']}');\n"
            "checkpoint;\n"
        )
        self.passwords = new

    def isql(self, script: str, user: str = "dba") -> str:
        """Run SQL statements through isql-vt on the private SQL port; raise on any error in its output.

        The password is on isql-vt's command line for the moment it runs (isql-vt has no other way): this is
        a throwaway instance on loopback, never the way to drive a shared one.
        """
        result = subprocess.run(
            [self._isql, f"127.0.0.1:{self.sql_port}", user, self.passwords[user]],
            input=script,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in output:
            raise VirtuosoError(f"isql-vt failed (status {result.returncode}):\n{output[-3000:]}")
        return output

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> RemoteEndpoint:
        return RemoteEndpoint(
            name="virtuoso",
            query_url=f"{self.base_url}/sparql",
            update_url=f"{self.base_url}/sparql-auth",
            graph_store_url=f"{self.base_url}/sparql-graph-crud-auth",
            write_auth=HTTPDigestAuth(LOADER_USER, self.loader_password),
        )
