"""The fitted parameters of :class:`lib.feed.model.CalibratedModel`, as plain numbers.

Produced by ``python bench/wp_quality.py --fit`` (maximum likelihood on every scoring change of
the real games in ``shared/data/nba_real_games.csv.gz``); the same script without ``--fit``
shows how the model does on games it was not fitted on (``docs/model.md`` keeps the figures).
Refit and paste its output here when the data or the model changes.
"""

from __future__ import annotations

from typing import Final

HOME_EDGE_2015_16: Final = 2.9115
"""The pregame home margin ``mu`` of every real game: the data has no pregame line, only home and away.

It is the margin that makes the pregame chance ``Phi(mu / 13)`` equal the home win rate of the
games, so that ``mu`` means the same to the model as a team-strength margin does.
"""

LATE_SPREAD_SHARE: Final = 0.2069
"""The share of a whole game's margin variance that falls off like ``sqrt(r)`` instead of ``r``."""

LEAD_SHRINK: Final = 0.4118
"""``k`` in the lead's weight ``1 / (1 + k * sqrt(r))`` with the share ``r`` of the game left."""
