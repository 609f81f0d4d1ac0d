"""`torch_default_model_path`, an extension (DECISIONS.md 9): the folder of the tiny Llama model
bundled with lispe, so that a LispE script can load a real model and its tokenizer without
downloading anything.  It returns a path; it does not load the model.
"""

import os

from ...errors import LispError
from ...models import DEFAULT_MODEL_FILES, default_model_path
from ...registry import builtin
from ._common import LIBRARY


@builtin("torch_default_model_path", library=LIBRARY)
def torch_default_model_path():
    """Extension: the folder of the small Llama model bundled with LispE (no trailing slash)."""
    path = default_model_path()
    missing = [f for f in DEFAULT_MODEL_FILES if not os.path.exists(os.path.join(path, f))]
    if missing:
        raise LispError(f"Error in torch_default_model_path: the default model is incomplete "
                        f"in {path} (missing {', '.join(missing)}); "
                        f"rebuild it with tools/build_default_model.py")
    return path
