"""Keras, PyTorch, ONNX and Flax: how each lays out a recurrent layer (`layouts`), and one
adapter each that converts weights to and from the engine's layout and runs the
framework's own layer to compare with. Each framework is imported only when a function
needs it (`optional`), with the command that installs it when it is missing. A new
framework gets an adapter here and a column in `layouts`.
"""
