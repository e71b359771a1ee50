"""Your own saved models: `files.load_model` reads a Keras, PyTorch or ONNX file (one
reader each: `keras_files` with `keras_graph`, `torch_files`, `onnx_files`) without
running code from it, as a `model.SavedModel` of `layer.SavedLayer`s; `model` also traces
a layer as the model runs it and checks it against the framework. A new file format
gets a reader here.
"""
