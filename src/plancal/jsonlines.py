"""JSON for one line of output: every line separator inside a string is escaped.

``json.dumps(..., ensure_ascii=False)`` keeps U+2028, U+2029 and U+0085 raw. That is valid
JSON, but ``str.splitlines()``, JavaScript before ES2019 and many line-based tools split a
line there, so one object per line would become two broken halves. Only these characters are
escaped; Swedish letters stay readable.
"""

from __future__ import annotations

import json
import re
from typing import Any

# What str.splitlines() splits on, beyond \n and \r (which JSON escapes already).
_SEPARATORS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` with ``ensure_ascii=False``, line separators escaped as ``\\uXXXX``."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _SEPARATORS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
