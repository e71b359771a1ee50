"""The values pages quote, for hooks/page_values.py: a package of helpers, not hooks.

MkDocs runs only the hook files listed in mkdocs.yml; these modules are imported by
`page_values.py`, which decides which of them a page sees.

- Views show a trace, its gradients or a layout, and name no network: `trace_view.py`
  (a forward trace, a bidirectional one), `backward_view.py` (backpropagation),
  `layout_view.py` (frameworks' layouts, a trace in exact fractions).
- `shared.py` holds the values that pages of several groups quote.
- Each page group has its module, whose `context()` holds the values only its pages
  quote: `walkthrough.py`, `backprop.py`, `cells_and_layers.py`, `layouts.py`,
  `stepper.py`, `trace_your_model.py`. Its `CLAIMS` check the sentences its pages write
  about those values (`claims.py`).
"""
