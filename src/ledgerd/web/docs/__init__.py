"""The documentation site at /docs: guides, the API reference generated from the OpenAPI document, search."""
