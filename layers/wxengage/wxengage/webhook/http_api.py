"""The API Gateway HTTP API (payload format 2.0) request, validated at the edge."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Http(BaseModel):
    method: str


class _RequestContext(BaseModel):
    http: _Http


class HttpApiRequest(BaseModel):
    """The fields of a payload-2.0 event the webhook uses.

    A small model of our own: Powertools' data_classes package imports every event class
    it knows (~50 ms of cold start measured), and we need five fields.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    request_context: _RequestContext = Field(alias="requestContext")
    path_parameters: dict[str, str] = Field(default_factory=dict, alias="pathParameters")
    query: dict[str, str] = Field(default_factory=dict, alias="queryStringParameters")
    body: str | None = None
    is_base64_encoded: bool = Field(default=False, alias="isBase64Encoded")

    @field_validator("path_parameters", "query", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return {} if value is None else value

    @property
    def method(self) -> str:
        return self.request_context.http.method.upper()

    def body_bytes(self) -> bytes:
        """The raw body; API Gateway base64-encodes bodies that are not UTF-8 text."""
        if not self.body:
            return b""
        if not self.is_base64_encoded:
            return self.body.encode("utf-8")
        try:
            return base64.b64decode(self.body, validate=True)
        except binascii.Error:
            raise ValueError("the request body is not valid base64") from None
