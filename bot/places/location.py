"""Where a person is, as the bot understood it: what to show, a point, the commune and quartier."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    label: str  # what to show: "Bellevue - Chantenay - Sainte Anne", "Rezé", "Nantes (44300)"
    kind: str  # quartier | commune | street | landmark | mairie | postcode | point
    lat: float
    lon: float
    insee: str | None = None  # None when unknown (outside the métropole, or a postcode of several communes)
    quartier: str | None = None  # one of the quartiers of the home commune, when known
    postcode: str | None = None
    score: float = 100.0  # how sure the match is, 0-100
    # A street across several quartiers: which end (or the house number) decides the door.
    spans: bool = False
    # Other places the same words name, each with another door: the person is asked which one.
    alternatives: tuple[Location, ...] = ()
    precise: bool = True  # False when the point is the centre of the quartier, not the place itself

    @property
    def ambiguous(self) -> bool:
        """The door is not settled yet: ask which place, or which end of the street."""
        return self.spans or bool(self.alternatives)
