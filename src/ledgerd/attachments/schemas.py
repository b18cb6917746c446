"""Attachment request bodies (`postAttachments` / `putAttachments`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.limits import Integer

# The largest file Sage takes: `file_size` "maximum: 2621440" (2.5 MiB) in the swagger.
MAX_FILE_BYTES = 2_621_440
# A media type with optional parameters, printable ASCII only: it is sent back as a Content-Type header.
MIME_TYPE = r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[\x20-\x7e]*)?$"


class AttachmentUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    # Base64; decoded and size-checked by the service, so its error names `file` with the real size.
    file: str | None = None
    file_name: str | None = Field(None, min_length=1, max_length=255)
    mime_type: str | None = Field(None, max_length=255, pattern=MIME_TYPE)
    description: str | None = Field(None, max_length=255)
    file_extension: str | None = Field(None, max_length=50)
    transaction_id: str | None = None
    # Informative only: the stored size is the decoded file's.
    file_size: Integer | None = Field(None, ge=0, le=MAX_FILE_BYTES)
    attachment_context_type_id: str | None = None
    attachment_context_id: str | None = None
    is_public: bool | None = None


class AttachmentCreate(AttachmentUpdate):
    file: str
    file_name: str = Field(min_length=1, max_length=255)
    mime_type: str = Field(max_length=255, pattern=MIME_TYPE)
