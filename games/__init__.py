"""The gamesolve zoo: ready-made games, one module per game.

Each module exposes ``make(**params) -> gamesolve.Game`` and ``SPEC``, a
:class:`gamesolve.game_registry.GameSpec`; games are registered through the
``gamesolve.games`` entry-point group in ``pyproject.toml``.
"""
