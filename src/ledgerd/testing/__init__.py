"""The pytest kit: a real `ledgerd serve` per test session and fixtures over it (docs/sandbox.md, "Testing with
pytest"). `plugin` is registered through the `pytest11` entry point, so installing ledgerd is enough; it talks
to the server only as an integration would (HTTP, and the `ledgerd` command once at start-up), so it imports
nothing of the server side and costs nothing in a session that does not use it.
"""
