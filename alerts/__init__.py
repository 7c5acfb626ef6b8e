"""The alerts core (DESIGN §6): channels, message text, retry schedule, escalation and signed links.

Pure: data and `now` in, data out. The one module that talks to apprise is `alerts.adapter`; the
console's I/O (outbox, worker, timers, routes) is `console.alerts`.
"""
