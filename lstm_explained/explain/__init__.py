"""What a reader sees: the engine's numbers as text and drawings.

`hand` writes hand calculations and tables, `working` makes each line of working add
up from the digits it shows, and `figures` draws cells, unrolled networks, backward
passes and heatmaps as SVG. Every number they show comes from a `Trace`.
"""
