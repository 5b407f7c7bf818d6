"""geoplatform.open311: an Open311 GeoReport v2 facade over the case loop (domain.md §9.1).

Citizen-reporting apps that speak GeoReport v2 file and follow cases here; the
seven-step loop behind it stays the only place a case changes.
"""
