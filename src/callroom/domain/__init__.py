"""Plain-Python core of callroom: models, aging, queue, scripts, promises.

Nothing in this package imports Textual, Rich or TinyDB (an import-linter
contract in pyproject.toml and tests/test_layers.py keep it so).
"""
