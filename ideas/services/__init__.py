"""Domain rules. Services flush, never commit: the request edge (view, API, CLI,
task) commits once, and rolls back on any error."""
