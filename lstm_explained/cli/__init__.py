"""The `lstm-explained` command: `main` (the toy networks from the shell, and the
commands), `trace` and `report` (`lstm-explained trace MODEL`), `diff`
(`lstm-explained diff A B`) and `inputs` (reading inputs and states from the shell).
"""
