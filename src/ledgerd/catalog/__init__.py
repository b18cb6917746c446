"""Products and services a business sells and buys."""
