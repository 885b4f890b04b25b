"""python-telegram-bot's requests on aiohttp: PTB's own contract, a lighter transport.

PTB's default transport (httpx) spends several milliseconds of CPU per Bot API call in its
connection pool, more than our whole handler with its database transaction (docs/performance.md).
PTB accepts any `BaseRequest`; this one keeps its behaviour: the same default timeouts, form
fields and multipart uploads, `TimedOut` for timeouts and `NetworkError` for the rest, while
`BaseRequest.post` still turns Telegram's answers (429, 403, 400…) into PTB's errors.
"""

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AnswerLost(TimedOut):
    """The request went out but no answer came back: Telegram may have done it."""


class AiohttpRequest(BaseRequest):
    """A pool of `pool_size` connections; timeouts in seconds as PTB's HTTPXRequest takes them."""

    def __init__(
        self,
        *,
        pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        """Remember the defaults; the session is opened by `initialize`."""
        self._pool_size = pool_size
        self._read, self._write = read_timeout, write_timeout
        self._media_write = media_write_timeout
        self._connect, self._pool = connect_timeout, pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to long polls)."""
        return self._read

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(  # noqa: PLR0917 (PTB's signature)
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; the status and the body for `BaseRequest.post` to judge."""
        if self._session is None or self._session.closed:
            msg = "This AiohttpRequest is not initialized!"
            raise RuntimeError(msg)
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else {}
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no write timeout of its own: sending (a file) counts towards `total`.
        timeout = aiohttp.ClientTimeout(
            total=None if read is None or write is None else read + write + (pool or 0),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        data = _form(fields, files) if files else fields
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, headers={"User-Agent": self.USER_AGENT}
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as err:
            # The request never reached Telegram: safe to send again.
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        except (TimeoutError, aiohttp.ClientError) as err:
            # Sent, but the answer was lost (dropped connection, read timeout): it may have
            # been done, so it must not be repeated blindly.
            raise AnswerLost(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _form(fields: dict[str, str], files: UploadFileDict) -> aiohttp.FormData:
    """Form fields and files as one multipart body: each file is (name, content, mime type)."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
