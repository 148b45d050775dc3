"""``--query EXPR``: a JMESPath expression applied to the JSON output (SPEC 7).

JMESPath is what ``aws --query`` speaks; ``jmespath`` is imported only when ``--query``
is given (start-up: tests/e2e/test_startup_imports.py).

* The expression is compiled when the settings resolve, before the command does
  anything: a syntax error, or a function JMESPath does not have (or called with the
  wrong number of arguments), is a usage error (exit 2, nothing written) naming the
  position (1-based) in the expression.
* It is applied to the very document ``-o json`` prints (the same values: times in the
  display zone, ``--fields`` applied first), and the result printed as JSON.  With
  ``-o jsonl``, to each line's object, one result a line (``null`` included, so the lines
  stay one per record); a listing is then still streamed.  Without ``-o``, ``--query``
  means ``-o json``; with ``-o table``, ``csv`` or ``tsv`` given it is a usage error.
* An error only the data can cause (``length(`1`)``: a value of the wrong type) comes
  after the command ran: exit 1 with ``query_failed``, never 2 (a change may have been
  made).
"""

from __future__ import annotations

import json
from typing import Any

from onenumber_cli.errors import InvalidArgument, QueryFailed

QUERY_OUTPUTS = ("json", "jsonl")


class Query:
    def __init__(self, expression: str) -> None:
        import jmespath
        from jmespath import exceptions

        self.expression = expression
        try:
            self._compiled = jmespath.compile(expression)
        except exceptions.LexerError as error:
            raise _invalid(expression, error.lexer_position, error.message) from None
        except exceptions.ParseError as error:
            found = f"{error.msg} ('{error.token_value}')" if error.token_value else error.msg
            raise _invalid(expression, error.lex_position, found) from None
        except exceptions.JMESPathError as error:
            raise _invalid(expression, 0, str(error)) from None
        _check_functions(expression, self._compiled.parsed)

    def apply(self, value: Any, to_json: Any) -> Any:
        """The expression's result on ``value`` as ``to_json`` renders it (plain JSON
        values, as the document prints)."""
        from jmespath import exceptions

        plain = json.loads(to_json(value))
        try:
            return self._compiled.search(plain)
        except exceptions.JMESPathError as error:
            raise QueryFailed(expression=self.expression, detail=str(error)) from None


def _invalid(expression: str, position: int | None, detail: str) -> InvalidArgument:
    return InvalidArgument("query", value=expression, position=(position or 0) + 1,
                           detail=detail)


def _check_functions(expression: str, node: Any) -> None:
    """Every function the expression calls exists and gets as many arguments as it
    takes (JMESPath itself finds out only when the expression runs)."""
    from jmespath.functions import Functions

    table = Functions().FUNCTION_TABLE
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        if current.get("type") == "function_expression":
            name = current.get("value")
            children = current.get("children", [])
            signature = table.get(name, {}).get("signature") if name in table else None
            where = expression.find(f"{name}(")
            if signature is None:
                raise _invalid(expression, where, f"unknown function {name}()")
            variadic = bool(signature) and bool(signature[-1].get("variadic"))
            if len(children) < len(signature) or (len(children) > len(signature)
                                                  and not variadic):
                raise _invalid(expression, where, f"{name}() takes {len(signature)} "
                                                  f"argument(s), got {len(children)}")
        stack.extend(current.get("children", []))
