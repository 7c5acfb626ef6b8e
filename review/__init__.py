"""The accountability review (复盘): pure cores over an incident's events and `now`.

`compliance` (履职情况), `replay` (回放) and `bundle` (the inspector's export and its offline check).
Nothing here reads the clock or a database, and nothing imports the console: events come in as
`review.log.LoggedEvent` (the console's `RecordedEvent` fits).
"""
