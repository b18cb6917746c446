"""The HTTP machinery every API resource shares: errors, wire format, listing, routing."""
