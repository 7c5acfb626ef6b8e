"""Responders and dispatch in the console: organisation, roster, dispatch, moves and roll calls.

The pure core is the top-level `responders` package; this package is its I/O beside the spine, and
`domain.DOMAIN` declares what it brings to the spine (console.domains hands it to the runtime).
"""
