__version__ = "0.1.0"

import warnings as _warnings
# fastai 2.8 scripts a layer with `torch.jit.script` at import, which torch 2.14 deprecates with a FutureWarning on every start
_warnings.filterwarnings('ignore', message=r'`torch.jit.script` is deprecated', category=FutureWarning)
