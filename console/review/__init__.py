"""The review domain (复盘): compliance, replay, findings and follow-ups, and the inspector's bundle."""
