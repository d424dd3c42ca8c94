"""Facts of the territory the dialog needs: read from knowledge/territory.yaml (catalogue.territory).

The accueil shown when the person's place is unknown, and the handover code's validity, which the
reply states and storage enforces.
"""

from __future__ import annotations

from bot.catalogue import Catalogue


def default_accueil(catalogue: Catalogue) -> str:
    """A place id of knowledge/places/."""
    return catalogue.territory.default_accueil


def handover_validity_hours(catalogue: Catalogue) -> int:
    return catalogue.territory.handover_validity_hours
