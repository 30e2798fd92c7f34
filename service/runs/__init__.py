"""Match runs: a preview built from the database, then a commit into offers."""
