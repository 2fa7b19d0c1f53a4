"""Add-ons from specific papers, built on the engine and used by the zoo's
paper games and the examples. The engine never imports them (except
:class:`~gamesolve.addons.restarts.DualRestart`, re-exported as
``gs.DualRestart``); import the module you need:

- :mod:`~gamesolve.addons.pruning`: iterative magnitude pruning as projection
  onto ``Masked`` domains, lottery tickets with rewinding, early-bird detection;
- :mod:`~gamesolve.addons.sparsity`: L0 hard-concrete gates, expected density,
  density constraints;
- :mod:`~gamesolve.addons.restarts`: dual restarts of Lagrangian multipliers
  (a ``gs.solve`` callback);
- :mod:`~gamesolve.addons.fairness`: disparate impact of pruning as indexed
  per-group constraints;
- :mod:`~gamesolve.addons.compression`: L0onie, a gated SIREN under an expected
  bits-per-pixel constraint.
"""
