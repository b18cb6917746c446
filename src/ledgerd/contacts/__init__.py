"""Customers and suppliers, their addresses and contact persons."""
