"""The API machinery every resource shares: the pipeline, the resource engine, listing, routing."""
