"""Where the person is and which place can help: gazetteer matching, distances, opening hours.

geo: haversine distance and point-in-polygon. search: `locate` (typed text), `locate_point` (coordinates),
`nearest`. hours: `open_status`. Pure functions over the catalogue's Place and Gazetteer; no I/O, no clock.
"""
