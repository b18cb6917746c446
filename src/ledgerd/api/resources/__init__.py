"""The HTTP face of each domain package: resource specs, presenters and routes."""
