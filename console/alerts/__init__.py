"""The alerts domain: channels per person, the outbox and its worker, escalation, acknowledgement and the
delivery log (DESIGN §6). The pure parts are the `alerts` core."""
