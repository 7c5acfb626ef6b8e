"""The console's domains, in one list: the composition root hands it to the runtime.

A domain not listed here is not part of the console: its commands are unknown, and a log holding its
events refuses to start (console.runtime names the event types no listed domain declares).
"""

from __future__ import annotations

from functools import cache

from .alerts.domain import DOMAIN as ALERTS
from .incidents.domain import DOMAIN as INCIDENTS
from .registry import Domain, Registry
from .reports.domain import DOMAIN as REPORTS
from .responders.domain import DOMAIN as RESPONDERS
from .review.domain import DOMAIN as REVIEW
from .runs.domain import DOMAIN as RUNS

DOMAINS: tuple[Domain, ...] = (INCIDENTS, RUNS, RESPONDERS, REPORTS, ALERTS, REVIEW)


@cache
def registry() -> Registry:
    """The registry of the console's domains (built once per process; it holds no state of its own)."""
    return Registry(DOMAINS)
