# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for kernel parameters: names, values and sysctl.d files.

Nothing here touches the system; the modules read and write, these functions
only compute, so they are unit-tested against captured real output.
"""

from __future__ import annotations

import fnmatch
import posixpath

PROC_SYS = "/proc/sys"


def normalize_key(key):
    """Return the dotted form of a sysctl key.

    sysctl(8) accepts ``/`` as the separator too (``net/ipv4/tcp_syncookies``).
    """
    key = key.strip()
    if "/" in key and "." not in key:
        return key.strip("/").replace("/", ".")
    return key


def key_to_path(key, proc_root=PROC_SYS):
    """Map a dotted key to its file under /proc/sys.

    In a dotted key a ``/`` stands for a literal dot in one component (an
    interface called ``eth0.100`` is written ``net.ipv4.conf.eth0/100.rp_filter``).
    """
    parts = [part.replace("/", ".") for part in normalize_key(key).split(".")]
    return posixpath.join(proc_root, *parts)


def normalize_value(value):
    """Collapse white space so ``'4096\\t87380'`` and ``'4096 87380'`` compare equal."""
    if isinstance(value, bool):
        value = int(value)
    return " ".join(str(value).split())


def parse_sysctl_conf(text):
    """Parse one sysctl.d file's text.

    Returns a list of ``(key, value, ignore_failure)`` in file order. Lines
    starting with ``#`` or ``;`` are comments; a key starting with ``-`` asks
    systemd-sysctl to ignore failures to set it.
    """
    entries = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        ignore_failure = key.startswith("-")
        if ignore_failure:
            key = key[1:].strip()
        if not key:
            continue
        entries.append((normalize_key(key), normalize_value(value), ignore_failure))
    return entries


def split_cat_config(text, is_config_file):
    """Split ``systemd-sysctl --cat-config`` output into ``[(path, text), ...]``.

    systemd prints every file it would read, in the order it applies them,
    each after a ``# /path/to/file`` line. A comment inside a file can look
    the same, so a header only counts when ``is_config_file(path)`` says the
    path is a real file (the caller checks on the host).
    """
    files = []
    current_path = None
    current_lines = []
    for line in text.splitlines():
        if line.startswith("# /"):
            candidate = line[2:].strip()
            if is_config_file(candidate):
                if current_path is not None:
                    files.append((current_path, "\n".join(current_lines)))
                current_path = candidate
                current_lines = []
                continue
        if current_path is not None:
            current_lines.append(line)
    if current_path is not None:
        files.append((current_path, "\n".join(current_lines)))
    return files


def boot_values(files, keys, dropin_path=None, dropin_settings=None):
    """Compute what each key will be after a boot.

    ``files`` is the ordered ``[(path, text)]`` list systemd-sysctl applies;
    the last assignment wins, and a glob key (``net.ipv4.conf.*.rp_filter``)
    assigns every key it matches. When ``dropin_path`` is given its content is
    taken to be ``dropin_settings`` (the file as it will be written, which is
    what check mode must judge); if it is not in ``files`` yet it is placed
    where systemd would sort it (by file name).

    Returns ``{key: {"value": str or None, "file": path or None}}``.
    """
    keys = [normalize_key(k) for k in keys]
    ordered = list(files)
    if dropin_path is not None:
        dropin_text = "\n".join(
            "%s = %s" % (normalize_key(k), normalize_value(v))
            for k, v in (dropin_settings or {}).items()
        )
        paths = [path for path, _text in ordered]
        if dropin_path in paths:
            ordered[paths.index(dropin_path)] = (dropin_path, dropin_text)
        else:
            ordered.append((dropin_path, dropin_text))
            # systemd orders by file name, whatever the directory.
            ordered.sort(key=lambda item: posixpath.basename(item[0]))
    result = dict((key, {"value": None, "file": None}) for key in keys)
    for path, text in ordered:
        for entry_key, value, _ignore in parse_sysctl_conf(text):
            for key in keys:
                if entry_key == key or (
                    any(c in entry_key for c in "*?[") and fnmatch.fnmatchcase(key, entry_key)
                ):
                    result[key] = {"value": value, "file": path}
    return result


def boot_conflicts(values, wanted, dropin_path):
    """List the keys that a file other than the drop-in sets last to another value."""
    conflicts = []
    for key, want in wanted.items():
        key = normalize_key(key)
        got = values.get(key, {"value": None, "file": None})
        if got["file"] != dropin_path and got["value"] != normalize_value(want):
            conflicts.append(
                {"key": key, "wanted": normalize_value(want), "value": got["value"], "file": got["file"]}
            )
    return conflicts
