"""Contract tests generated from every served resource spec (`ledgerd.api.resource.REGISTRY`)."""
