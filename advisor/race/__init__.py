"""Racing the close calls: successive halving over short real fine-tunes (docs/race.md)."""

from advisor.race.api import race, race_candidates

__all__ = ["race", "race_candidates"]
