"""geoplatform.demo: a deterministic synthetic Nantong (南通) for demonstrations and tests.

Real: division codes and names, county outlines, component and matter class codes.
Synthetic: every finer outline, unit grid, component, case, POI and pipe. The same
seeds give the same city on every run; ``build.build_demo_city`` writes it to a store.
"""
