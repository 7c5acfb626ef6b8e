"""Playbook runs (预案执行): the pinned playbook, its commands and events, deadlines that fire from the log.

`domain.DOMAIN` declares what it brings to the spine; console.domains hands it to the runtime.
"""
