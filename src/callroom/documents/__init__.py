"""Rendering out: PDF letters (pdf.py), email files (eml.py), calendars (ics.py), logos (logo.py).

Pure functions of domain objects and the owner's profile: no store, no screens."""
