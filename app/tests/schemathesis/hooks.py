"""Schemathesis hooks for the shop API (see docs/reliability.md).

A pagination cursor is signed by the server: no value generated from the
schema, however well-formed, can be a valid one. In positive cases (which
must be accepted) the generated `cursor` is therefore left out; negative
cases keep theirs, and must be refused. Forged, altered, foreign and
mistyped cursors are tested by the HTTP suite.
"""

import schemathesis
from schemathesis import GenerationMode


@schemathesis.hook
def map_case(ctx, case):
    meta = case.meta
    positive = meta is not None and meta.generation.mode == GenerationMode.POSITIVE
    if positive and case.query and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    return case
