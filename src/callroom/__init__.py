"""callroom: power-hour collection calls on overdue invoices, from the terminal."""

__version__ = "0.1.0"
