"""ledgerd: a self-hostable accounting server speaking the Sage Business Cloud Accounting API v3.1."""

__version__ = "0.1.0"
