"""Threads as LispE has them: `dethread` functions run in their own thread, `wait` joins them,
`threadstore`/`threadretrieve`/`threadclear` share values between threads, `waiton`/`trigger`
synchronise on a name, `lock` serialises a block, `threadspace` holds the variables that `seth`
shares between threads.

The state is the process's (as the original's is its interpreter's): a LispE program runs one
interpreter, and threads started by one must be joined by its `wait`.  An error in a thread is
raised again by the `wait` that joins it, so it stops the program as in the original.
"""

import copy
import threading

from ..errors import LispError
from ..registry import builtin


class ThreadState:
    """Running threads, the shared store, named events and locks, shared (seth) variables."""

    def __init__(self):
        self.guard = threading.Lock()
        self.threads = []
        self.errors = []
        self.store = {}
        self.events = {}
        self.locks = {}
        self.shared = {}
        self.local = threading.local()

    def named(self, table, name, kind):
        with self.guard:
            if name not in table:
                table[name] = kind()
            return table[name]


STATE = ThreadState()


def start_thread(function, args):
    """Run `function(*args)` in a new thread (arguments copied, as the original does)."""
    args = copy.deepcopy(args)

    def run():
        try:
            function(*args)
        except BaseException as e:  # noqa: BLE001 - raised again by wait
            STATE.errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    with STATE.guard:
        STATE.threads.append(thread)
    thread.start()
    return True


@builtin("wait", signature="(wait)")
def wait():
    """Wait until every thread started with a dethread function has finished."""
    while True:
        with STATE.guard:
            running = [t for t in STATE.threads if t.is_alive()]
            STATE.threads = running
        if not running:
            break
        for thread in running:
            thread.join()
    if STATE.errors:
        error = STATE.errors.pop(0)
        STATE.errors.clear()
        raise error
    return True


@builtin("threadstore", signature="(threadstore key value)")
def threadstore(key, value):
    """Append value to the list shared between threads under key."""
    with STATE.guard:
        STATE.store.setdefault(str(key), []).append(copy.deepcopy(value))
    return True


@builtin("threadretrieve", signature="(threadretrieve (key))")
def threadretrieve(key=None):
    """The list stored under key (nil if none), or the whole store as a dictionary."""
    with STATE.guard:
        if key is None:
            return {k: list(v) for k, v in STATE.store.items()}
        values = STATE.store.get(str(key))
        return list(values) if values is not None else None


@builtin("threadclear", signature="(threadclear (key))")
def threadclear(key=None):
    """Empty the list stored under key, or remove every key."""
    with STATE.guard:
        if key is None:
            STATE.store.clear()
        elif str(key) in STATE.store:
            STATE.store[str(key)] = []
    return True


@builtin("waiton", signature="(waiton name)")
def waiton(name):
    """Block this thread until (trigger name) is called."""
    STATE.named(STATE.events, str(name), threading.Event).wait()
    return True


@builtin("trigger", signature="(trigger name)")
def trigger(name):
    """Release the threads waiting on name."""
    STATE.named(STATE.events, str(name), threading.Event).set()
    return True


def lock_for(name):
    return STATE.named(STATE.locks, str(name), threading.RLock)


def enter_threadspace():
    STATE.local.depth = getattr(STATE.local, "depth", 0) + 1


def leave_threadspace():
    STATE.local.depth -= 1


def set_shared(name, value):
    """`seth`: a variable shared by the threads, only inside a threadspace block."""
    if not getattr(STATE.local, "depth", 0):
        raise LispError("Error: this instruction can only be used in a 'threadspace' block")
    with STATE.guard:
        STATE.shared[name] = value
    return True


def shared_value(name, fallback):
    """A variable read inside a threadspace block: the shared one, else the usual lookup."""
    with STATE.guard:
        if name in STATE.shared:
            return STATE.shared[name]
    return fallback()
