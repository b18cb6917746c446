"""What every HTTP surface shares (the API, the OAuth endpoints, the pages): errors and their answers, the wire
format, the request-body guard, the edge's text checks and the security headers."""
