"""Small questions about forms (the reader's output) asked all over the compiler, and the
conversions of forms to LispE data: `to_data` (quote), `substitute` (macros), `source_text`."""

from ..reader import Form
from ..values import Pair, Symbol


def is_symbol(x, name=None):
    return type(x) is Symbol and (name is None or x == name)


def is_form(x):
    return isinstance(x, list)


def is_dict_literal(x):
    return isinstance(x, Form) and x.kind == "dict"


def form_line(form, default=None):
    return getattr(form, "line", None) or default


def class_parts(form):
    """(field forms, method defuns, parent name or None) of a `class@` form; `(from@ Parent)`
    may stand in the place of the field list or among the methods."""
    fields = list(form[2]) if len(form) > 2 and is_form(form[2]) else []
    elements = list(form[3:])
    if fields and is_symbol(fields[0], "from@"):
        elements.insert(0, fields)
        fields = []
    parent = None
    methods = []
    for element in elements:
        if is_form(element) and element and is_symbol(element[0], "from@") and len(element) > 1:
            parent = element[1]
        else:
            methods.append(element)
    return fields, methods, parent


def make_form(items, line):
    return Form(list(items), None, line)


def to_data(form):
    """A quoted form as a LispE value: Forms become plain lists, dict literals dictionaries."""
    if isinstance(form, Form):
        if form.kind == "dict":
            return {to_data(k): to_data(v) for k, v in zip(form[::2], form[1::2])}
        if len(form) == 3 and type(form[1]) is Symbol and form[1] == ".":
            return Pair(to_data(form[0]), to_data(form[2]))
        return [to_data(x) for x in form]
    return form


def substitute(form, bindings, spliced=()):
    """`form` with every symbol of `bindings` replaced by its value (macro expansion); in a
    list, `$ name` with `name` in `spliced` inserts the elements of name's value."""
    if type(form) is Symbol and str(form) in bindings:
        return bindings[str(form)]
    if not isinstance(form, list):
        return form
    items, i = [], 0
    while i < len(form):
        x = form[i]
        if is_symbol(x, "$") and i + 1 < len(form) and str(form[i + 1]) in spliced:
            items.extend(bindings[str(form[i + 1])])
            i += 2
            continue
        items.append(substitute(x, bindings, spliced))
        i += 1
    return Form(items, getattr(form, "file", None), getattr(form, "line", None),
                getattr(form, "kind", "list"))


def source_text(form, lambda_=False):
    """The printed LispE text of a form (what `(print f)` shows for a function)."""
    from ..printer import to_string
    data = to_data(form)
    if lambda_ and data:
        data = [Symbol("λ")] + data[1:]
    return to_string(data)
