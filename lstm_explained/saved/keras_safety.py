"""Whether a Keras model's config may be handed to Keras to rebuild: `check_config`.

lstm-explained reads a Keras file's config as data (keras_config) and never needs Keras
for that. Keras rebuilds the model only for the check (and for layers the engine does not
compute), and its deserializer has been talked into running code by configs that name a
function outside Keras (CVE-2025-1550), or that first call Keras's own
`keras.config.enable_unsafe_deserialization` and then hold a `Lambda` (CVE-2025-9906); a
legacy `.h5` file's `Lambda` holds marshalled bytecode that runs when the model is
rebuilt (CVE-2025-9905). So before Keras sees a config, every object in it must be one of
these, whatever else `safe_mode` would catch:

- a built-in Keras layer (module `keras.layers`, or in a legacy `.h5` a class name among
  Keras's layers), never `Lambda` or a layer that runs code or files it names
  (`TFOpLambda`, `TFSMLayer`, `TorchModuleWrapper`, `JaxLayer`, `FlaxLayer`; a lookup
  layer's vocabulary given as a file);
- a model (`Functional`, `Sequential`) whose layers pass the same test;
- an operation Keras writes into a functional model (modules `keras.src.ops.numpy`,
  `.math`, `.nn`; in a legacy `.h5` the mask operations);
- plain data in a setting: numbers, strings, lists, and the objects Keras keeps in
  settings (dtype policies, initializers, regularizers, constraints: modules `keras`,
  `keras.initializers`, `keras.regularizers`, `keras.constraints`).

Refused: any module outside those, a custom or registered object (`registered_name`
"package>Name"), a function as a value (`"class_name": "function"` or `"__lambda__"`),
which includes every call of a Keras function such as
`keras.config.enable_unsafe_deserialization`. An activation named as a string is plain
data. `compile_config` (optimizer, losses) is not checked: the model is rebuilt with
`compile=False`, which never reads it.

The HDF5 file that holds the weights (a legacy `.h5`, or a `.keras` file's
`model.weights.h5`) is read from memory and must be whole in itself (`check_hdf5`): HDF5
lets a dataset keep its data in another file (external storage), map other files'
datasets (a virtual dataset) or link to an object in another file (an external link).
Reading any of these reads whatever file it names on the reader's machine, so a crafted
model could show a private file's bytes as its weights. Keras never writes them.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ..errors import LSTMInputError
from .keras_config import FUNCTIONS, LEGACY_OPERATIONS, MODELS, OPERATION_MODULE

_LAYER_NAMES = """
    Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D
    AdaptiveAveragePooling3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D
    Add AdditiveAttention AlphaDropout Attention AugMix AutoContrast Average
    AveragePooling1D AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D
    BatchNormalization Bidirectional CategoryEncoding CenterCrop Concatenate
    ContrastLimitedAdaptiveHistogramEqualization Conv1D Conv1DTranspose Conv2D
    Conv2DTranspose Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D Convolution1D
    Convolution1DTranspose Convolution2D Convolution2DTranspose Convolution3D
    Convolution3DTranspose Cropping1D Cropping2D Cropping3D CutMix Dense DepthwiseConv1D
    DepthwiseConv2D Discretization Dot Dropout ELU EinsumDense Embedding Equalization Flatten
    GRU GRUCell GaussianDropout GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D
    GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D GlobalMaxPool1D
    GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D
    GroupNormalization GroupQueryAttention HashedCrossing Hashing Identity InputLayer
    IntegerLookup LSTM LSTMCell LayerNormalization LeakyReLU LocallyConnected1D
    LocallyConnected2D Masking MaxNumBoundingBoxes MaxPool1D MaxPool2D MaxPool3D MaxPooling1D
    MaxPooling2D MaxPooling3D Maximum MelSpectrogram Minimum MixUp MultiHeadAttention Multiply
    Normalization PReLU Permute Pipeline RMSNormalization RNN RandAugment RandomBrightness
    RandomColorDegeneration RandomColorJitter RandomContrast RandomCrop
    RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur RandomGrayscale
    RandomHeight RandomHue RandomInvert RandomPerspective RandomPosterization RandomRotation
    RandomSaturation RandomSharpness RandomShear RandomTranslation RandomWidth RandomZoom
    ReLU RepeatVector Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram
    SeparableConv1D SeparableConv2D SeparableConvolution1D SeparableConvolution2D SimpleRNN
    SimpleRNNCell Softmax Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D
    SpectralNormalization StackedRNNCells StringLookup Subtract TextVectorization
    ThresholdedReLU TimeDistributed UnitNormalization UpSampling1D UpSampling2D UpSampling3D
    ZeroPadding1D ZeroPadding2D ZeroPadding3D
"""
KERAS_LAYERS = frozenset(_LAYER_NAMES.split())
"""The layers keras.layers exports (Keras 3.15, and tf-keras 2.21 for Keras 2 files),
less those that run code: the class names a legacy `.h5` may use."""

RUNS_CODE = {
    "Lambda": "holds Python code (a function, marshalled bytecode in a legacy .h5)",
    "TFOpLambda": "calls the TensorFlow function it names",
    "SlicingOpLambda": "calls the TensorFlow function it names",
    "TFSMLayer": "loads and runs the TensorFlow SavedModel it names",
    "TorchModuleWrapper": "holds a pickled PyTorch module",
    "JaxLayer": "holds JAX functions",
    "FlaxLayer": "holds a Flax module",
    "DenseFeatures": "runs TensorFlow feature columns",
}
"""Layers that run code, or files, named in their config when Keras rebuilds them."""

READS_FILES = ("StringLookup", "IntegerLookup", "TextVectorization")
OBJECT_MODULES = {"keras", "keras.layers", "keras.initializers", "keras.regularizers",
                  "keras.constraints", "keras.dtype_policies"}  # fmt: skip
MODEL_MODULES = {"keras", "keras.models", "keras.src.models.functional",
                 "keras.src.models.sequential", "keras.src.engine.functional",
                 "keras.src.engine.sequential", "tf_keras.src.engine.functional",
                 "tf_keras.src.engine.sequential"}  # fmt: skip
"""Where Keras 3 (and Keras 2's `.keras` format, written by tf-keras) says its two model
classes live."""
OPERATION_MODULES = {f"{OPERATION_MODULE}{m}" for m in ("numpy", "math", "nn")}
DATA = {"__keras_tensor__", "__numpy__", "__tensor__", "__bytes__", "__slice__",
        "__ellipsis__"}  # fmt: skip
"""Keras's names for plain values (a tensor reference, an array, bytes, a slice)."""
CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\Z")


class UnsafeConfig(LSTMInputError):
    """A config that Keras must not be given to rebuild: why, in one line."""


def check_config(config: Any) -> None:
    """Raise `UnsafeConfig` naming the first layer and setting that may not be handed
    to Keras (module docstring); return quietly when every one is plain."""
    if not isinstance(config, dict):
        raise UnsafeConfig(f"the model's config is a {type(config).__name__}, not an object")
    try:
        _model(config, "the model")
    except TypeError:  # a list or an object where Keras writes a name
        raise UnsafeConfig(
            "the model's config holds a list or an object where Keras writes a class or module name"
        ) from None


def _model(entry: dict[str, Any], where: str) -> None:
    kind, module = entry.get("class_name"), entry.get("module")
    if kind not in MODELS or (module is not None and module not in MODEL_MODULES):
        raise UnsafeConfig(f"{where} is a {_named(entry)}, not a Keras Functional or "
                           "Sequential model")  # fmt: skip
    _registered(entry, where)
    body = entry.get("config")
    if not isinstance(body, dict) or not isinstance(body.get("layers"), list):
        raise UnsafeConfig(f"{where} has no list of layers in its config")
    for k, layer in enumerate(body["layers"], start=1):
        if not isinstance(layer, dict):
            raise UnsafeConfig(f"entry {k} of {where}'s layers is a {type(layer).__name__}")
        _layer(layer, f"{where}'s layer {k}")
    for key, value in body.items():
        if key != "layers":
            _plain(value, f"{where}'s {key}")
    for key in ("build_config", "inbound_nodes"):
        _plain(entry.get(key), f"{where}'s {key}")


def _layer(entry: dict[str, Any], where: str, *, wrapped: bool = False) -> None:
    """One entry of a model's layers (or a layer a wrapper holds, `wrapped`): a model, a
    built-in layer or an operation, with plain settings and plain calls."""
    kind, module = entry.get("class_name"), entry.get("module")
    settings = entry.get("config")
    name = entry.get("name") or (settings.get("name") if isinstance(settings, dict) else None)
    where = f"layer {name!r}" if isinstance(name, str) and not wrapped else where
    if kind in MODELS:
        _model(entry, where)
        return
    if kind in FUNCTIONS:
        raise UnsafeConfig(f"{where} is a call of the function {_function(entry)}, not a layer"
                           + _route(entry))  # fmt: skip
    if not isinstance(kind, str) or not CLASS_NAME.match(kind):
        raise UnsafeConfig(f"{where} is a {_named(entry)}, not a built-in Keras layer")
    if kind in RUNS_CODE:
        raise UnsafeConfig(f"{where} is a {kind} layer, which {RUNS_CODE[kind]}")
    if module is None:
        if kind not in KERAS_LAYERS and kind not in LEGACY_OPERATIONS:
            raise UnsafeConfig(f"{where} is a {kind}, not one of Keras's built-in layers")
    elif module != "keras.layers" and module not in OPERATION_MODULES:
        raise UnsafeConfig(f"{where} is a {_named(entry)}, not one of Keras's built-in layers "
                           "(module keras.layers)")  # fmt: skip
    _registered(entry, where)
    if kind in READS_FILES and isinstance(settings, dict) and \
            isinstance(settings.get("vocabulary"), str):  # fmt: skip
        raise UnsafeConfig(f"{where} is a {kind} whose vocabulary is the file "
                           f"{settings['vocabulary']!r}, which Keras would read")  # fmt: skip
    if not isinstance(settings, dict):
        raise UnsafeConfig(f"{where} has no settings object")
    for key, value in settings.items():
        _plain(value, f"{where}'s setting {key}")
    for key in ("build_config", "inbound_nodes"):
        _plain(entry.get(key), f"{where}'s {key}")


def _plain(value: Any, where: str) -> None:
    """Refuse anything in a setting but plain data and Keras's own setting objects."""
    if isinstance(value, list):
        for item in value:
            _plain(item, where)
        return
    if not isinstance(value, dict):
        if value is None or isinstance(value, (str, int, float, bool)):
            return
        raise UnsafeConfig(f"{where} holds a {type(value).__name__}")
    kind = value.get("class_name")
    if kind in FUNCTIONS:
        raise UnsafeConfig(
            f"{where} is the function {_function(value)}; a setting may name "
            f"an activation as a string, never hold a function{_route(value)}"
        )
    if kind is not None and kind not in DATA:
        module = value.get("module")
        if kind in RUNS_CODE:
            raise UnsafeConfig(f"{where} is a {kind} layer, which {RUNS_CODE[kind]}")
        if module is None and not CLASS_NAME.match(kind):
            raise UnsafeConfig(f"{where} is a {_named(value)}, not a plain Keras setting")
        if module is not None and module not in OBJECT_MODULES:
            raise UnsafeConfig(f"{where} is a {_named(value)}, from outside Keras's own "
                               "setting objects")  # fmt: skip
        if kind in MODELS and module is not None:
            raise UnsafeConfig(f"{where} is a {kind} model, not a setting")
        _registered(value, where)
        if module == "keras.layers":  # a wrapped layer (Bidirectional's): a layer's test
            _layer(value, where, wrapped=True)
            return
    for key, item in value.items():
        if key not in ("class_name", "module", "registered_name"):
            _plain(item, where)


def _registered(entry: dict[str, Any], where: str) -> None:
    registered = entry.get("registered_name")
    if registered is not None and registered != entry.get("class_name"):
        raise UnsafeConfig(f"{where} is the registered custom object {registered!r}, not "
                           "one of Keras's built-in ones")  # fmt: skip


def _named(entry: dict[str, Any]) -> str:
    kind, module = entry.get("class_name"), entry.get("module")
    shown = kind if isinstance(kind, str) else repr(kind)
    return f"{shown} from module {module}" if isinstance(module, str) else shown


def _function(entry: dict[str, Any]) -> str:
    if entry.get("class_name") == "__lambda__":
        return "lambda (marshalled Python bytecode)"
    name = entry.get("config")
    return f"{entry.get('module') or '?'}.{name if isinstance(name, str) else '?'}"


def _route(entry: dict[str, Any]) -> str:
    if _function(entry) == "keras.config.enable_unsafe_deserialization":
        return " (the route of CVE-2025-9906: it turns Keras's safe_mode off)"
    return ""


def check_hdf5(path: str, store: Any, h5py: Any, *, member: str = "") -> None:
    """Refuse an open HDF5 file (`store`) that reads from files outside itself: an
    external link, or a dataset with external storage or virtual (mapped) data. Only
    metadata is read; `member` names the file inside an archive (".keras")."""
    where = f"{path}'s {member}" if member else path

    def links(name: str, group: Any) -> None:
        for key in group:  # the links themselves, not what they point to
            link = group.get(key, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise LSTMInputError(
                    f"refused {where}: its {posixpath.join('/', name, key)} links to "
                    f"{link.filename!r}, another file; a model file must hold its own weights"
                )

    def visit(name: str, item: Any) -> None:
        if isinstance(item, h5py.Group):
            links(name, item)
        elif item.external or item.is_virtual:
            source = item.external[0][0] if item.external else "other datasets"
            raise LSTMInputError(
                f"refused {where}: its dataset /{name} keeps its data in {source!r}, outside "
                "the file; a model file must hold its own weights"
            )

    links("", store)
    store.visititems(visit)  # every object once, through hard links only
