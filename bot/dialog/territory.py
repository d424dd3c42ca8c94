"""Facts of the territory the dialog needs, in one place.

The accueil shown when the person's place is unknown, and the handover code's validity, which the
reply states and storage enforces. The integrator reads them from knowledge/territory.yaml; until
then they are the CCAS of Nantes and storage's 24 hours.
"""

from __future__ import annotations

DEFAULT_ACCUEIL = "ccas_nantes"  # a place id of knowledge/places/
HANDOVER_VALIDITY_HOURS = 24  # must equal bot.storage's HANDOVER_VALIDITY
