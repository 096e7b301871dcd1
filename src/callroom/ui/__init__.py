"""The Textual app: screens, widgets and styles. Talks to the ledger only through callroom.services."""
