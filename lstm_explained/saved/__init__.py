"""Your own saved models: `files.load_model` reads a Keras, PyTorch or ONNX file without
running code from it (one reader each: `keras_files` and `keras_h5`, with `keras_config`
for the graph, `keras_safety` for what Keras may rebuild, `keras_graph` and `keras_live`
for the runs; `torch_files`; `onnx_files`), as a `model.SavedModel` of
`layer.SavedLayer`s; `model` also traces a layer as the model runs it and checks it
against the framework. A new file format gets a reader here.
"""
