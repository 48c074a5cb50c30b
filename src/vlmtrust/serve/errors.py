"""Errors in OpenAI's JSON shape, ``{"error": {"message", "type", "param", "code"}}``.

Shared by the app's exception handlers and the ASGI guards in front of the app (serve/limits.py):
the guards answer before FastAPI runs, so they build the response themselves rather than raise,
and clients see one error shape whichever layer refused the request.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse


def error_response(
    status: int,
    message: str,
    type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON response in OpenAI's error shape."""
    body = {"message": message, "type": type, "param": param, "code": code}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


class OpenAIError(Exception):
    """An error answered in OpenAI's shape (raised inside the app, answered by its handler)."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.type, self.param, self.code)
