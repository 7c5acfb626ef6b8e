"""The incident domain: register, amend facts, add notes, close, and the confidential parts (seed §7).

`domain.DOMAIN` declares what it brings to the spine; console.domains hands it to the runtime.
"""
