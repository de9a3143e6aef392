"""The decoder's map: projections, landscapes, regions, noise clouds, rewrites, search, prepare ahead."""
