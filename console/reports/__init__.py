"""The reports domain: upward reports drafted from the log, approved (签发) and handed over for sending."""
