"""Why two copies of a layer disagree: `diff.diff_layers` finds where they part
(`divergence`) and searches (`search`) the known mistakes (`hypotheses`, with
`layout_mistakes`, `bias_mistakes` and `padding`) for the one that explains it, each
reported as a `findings.Finding` with its evidence. A new cause goes into `hypotheses`.
"""
