#!/usr/bin/env python3
"""Writes Tests/Fixtures/malicious/*.pkl: pickles that run code when Python unpickles them.

Each one, if loaded by Python's pickle, would create the marker file /tmp/decant_malicious_pickle_ran
(through os.system, builtins.eval, subprocess.Popen, posix.system via STACK_GLOBAL, builtins.getattr,
builtins.__import__). The script proves every file is live by unpickling it in a throwaway subprocess
and checking the marker appears; the Swift tests then prove Decant refuses them by default, shows them
as inert data with allowOpaque, and never creates the marker.

Usage: python3 Tools/make_malicious_pickles.py
"""
import os
import pickle
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "malicious")
MARKER = "/tmp/decant_malicious_pickle_ran"
COMMAND = f"touch {MARKER}"


def unicode(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def short_unicode(text):
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def wrap_in_state_dict(payload):
    """{'state_dict': {'w': 1}, 'callback': <payload>}: the payload sits under a key, like a real attack."""
    return (b"\x80\x02}q\x00(" + unicode("state_dict") + b"}q\x01" + unicode("w") + b"K\x01s"
            + unicode("callback") + payload + b"u.")


FILES = {
    # os.system("touch …") via GLOBAL + REDUCE, hidden under a key of an ordinary-looking dict.
    "os_system.pkl": wrap_in_state_dict(b"cos\nsystem\n" + unicode(COMMAND) + b"\x85R"),
    # builtins.eval("__import__('os').system(…)").
    "builtins_eval.pkl": b"\x80\x02cbuiltins\neval\n"
    + unicode(f"__import__('os').system('{COMMAND}')") + b"\x85R.",
    # subprocess.Popen(["touch", MARKER]) then .wait() is not even needed: Popen starts the process.
    "subprocess_popen.pkl": b"\x80\x02csubprocess\nPopen\n(" + unicode("touch") + unicode(MARKER)
    + b"l\x85R.",
    # posix.system through protocol 4 STACK_GLOBAL, so the name never appears as a GLOBAL line.
    "posix_system_stack_global.pkl": b"\x80\x04" + short_unicode("posix") + b"\x94" + short_unicode("system")
    + b"\x94\x93\x94" + unicode(COMMAND) + b"\x85R.",
    # builtins.getattr(__import__('os'), 'system')(…): two forbidden callables chained.
    "builtins_getattr.pkl": b"\x80\x02cbuiltins\ngetattr\ncbuiltins\n__import__\n" + unicode("os") + b"\x85R"
    + unicode("system") + b"\x86R" + unicode(COMMAND) + b"\x85R.",
    # builtins.__import__('os').system is reached through REDUCE results only: the first global is __import__.
    "builtins_import.pkl": b"\x80\x02cbuiltins\n__import__\n" + unicode("os") + b"\x85R.",
}

# Files whose unpickling in Python creates the marker (builtins_import only imports os, harmlessly).
LIVE = {"os_system.pkl", "builtins_eval.pkl", "subprocess_popen.pkl", "posix_system_stack_global.pkl",
        "builtins_getattr.pkl"}


def proves_live(path):
    if os.path.exists(MARKER):
        os.remove(MARKER)
    subprocess.run([sys.executable, "-c", f"import pickle,time; pickle.load(open({path!r},'rb')); time.sleep(0.5)"],
                   check=False, capture_output=True)
    live = os.path.exists(MARKER)
    if live:
        os.remove(MARKER)
    return live


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in FILES.items():
        path = os.path.join(OUT, name)
        with open(path, "wb") as f:
            f.write(data)
        if name in LIVE:
            if not proves_live(path):
                sys.exit(f"{name}: Python did not create {MARKER}; the fixture is not live")
            print(f"{name}: {len(data)} bytes; Python unpickling runs it (marker created, then removed)")
        else:
            print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
