"""LispE classes (`class@`) at run time: a class holds its fields and methods, an instance its
field values.  The compiler (compiler.py) turns method bodies into Python functions taking the
instance as first argument; this module only stores and dispatches them.
"""

from .errors import LispError
from .printer import register_printer, to_string
from .values import register_protocol, Symbol


class LispClass:
    """A class declared with `class@`: ordered fields (name, default thunk or None), methods."""

    def __init__(self, name, fields, methods, parent=None):
        self.name = name
        self.parent = parent
        own = {f[0] for f in fields}
        inherited = [f for f in (parent.fields if parent else []) if f[0] not in own]
        self.fields = list(fields) + inherited   # own fields first, as the original orders them
        self.methods = dict(parent.methods) if parent else {}
        self.methods.update(methods)
        self.lispe_name = name

    def is_a(self, other):
        cls = self
        while cls is not None:
            if cls is other:
                return True
            cls = cls.parent
        return False

    def new(self):
        """An instance whose fields are all unset (nil), before its arguments are stored."""
        return Instance(self, {name: None for name, _ in self.fields})

    def finish(self, instance, given):
        """Fill the fields after the `given` first ones with their defaults (nil when they have
        none: the seeds create `(Tokenizer path)` with a trailing `init` field); check arity."""
        if given > len(self.fields):
            raise LispError(f"Error: argument list mismatch with the parameter list of '{self.name}' "
                            f"(expected at most {len(self.fields)} arguments, got {given})")
        for name, default in self.fields[given:]:   # missing fields: default or nil (seed 000)
            instance.fields[name] = default(instance) if default is not None else None
        return instance

    def __call__(self, *args):
        instance = self.new()
        for (name, _), value in zip(self.fields, args):
            instance.fields[name] = value
        return self.finish(instance, len(args))

    def lisp_type(self):
        return "class_"


class Instance:
    """An instance of a LispE class."""

    __slots__ = ("cls", "fields", "clean")

    def __init__(self, cls, fields):
        self.cls = cls
        self.fields = fields

    def to_clean(self, name):
        """`(toclean 'method)`: run `method` when this instance is freed."""
        self.clean = str(name)
        self.__class__ = CleanedInstance
        return True

    def send(self, name, *args):
        """Call method `name` on this instance."""
        method = self.cls.methods.get(name)
        if method is None:
            raise LispError(f"Error: unknown method '{name}' for class '{self.cls.name}'")
        return method(self, *args)

    def send_as(self, cls, name, *args):
        """`(obj Class (method ...))`: check the class, then call."""
        if not isinstance(cls, LispClass) or not self.cls.is_a(cls):
            raise LispError("Error: mismatch between class instance and class definition")
        return self.send(name, *args)

    def has_method(self, name):
        return name in self.cls.methods

    def lisp_type(self):
        return self.cls.name

    def __repr__(self):
        return instance_text(self)


class CleanedInstance(Instance):
    """An instance that runs its `toclean` method when Python frees it (reference counting
    frees it as soon as the last reference goes).  As in the original, errors of that method
    are ignored."""

    __slots__ = ()

    def __del__(self):
        method = self.cls.methods.get(self.clean)
        if method is not None:
            try:
                method(self)
            except Exception:  # noqa: BLE001 - the original ignores them too
                pass


def instance_text(instance):
    fields = " ".join(f'"{k}":{to_string(v, True)}' for k, v in instance.fields.items())
    return f"({instance.cls.name} {fields})" if fields else f"({instance.cls.name})"


def _at(instance, key):
    if isinstance(key, int) and not isinstance(key, bool):
        values = list(instance.fields.values())
        if -len(values) <= key < len(values):
            return values[key]
        raise LispError("Error: index out of bounds")
    if str(key) in instance.fields:
        return instance.fields[str(key)]
    raise LispError(f"Error: unknown field '{key}' in class '{instance.cls.name}'")


def _set_at(instance, key, value):
    if isinstance(key, int) and not isinstance(key, bool):
        key = list(instance.fields)[key]
    instance.fields[str(key)] = value
    return instance


register_printer(Instance, instance_text)
register_printer(LispClass, lambda c: c.name)
register_protocol("at", Instance, _at)
register_protocol("set_at", Instance, _set_at)
register_protocol("size", Instance, lambda i: len(i.fields))
register_protocol("iter", Instance, lambda i: [Symbol(k) for k in i.fields])
