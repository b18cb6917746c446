"""`/ledgerd/v1/admin/…`: the sandbox controls over HTTP, for ledgerd administrators (docs/sandbox.md).

One module per control (inventory, business state, clock, faults, request journal), each a thin HTTP face of
the service in `ledgerd.sandbox` that the CLI and the pytest kit call too. Routes are made with
`route.admin_route`.
"""
