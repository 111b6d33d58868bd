#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apache_config
short_description: Change Debian's Apache configuration only in ways apache2 -t accepts
version_added: 0.1.0
description:
  - Writes whole configuration files under C(/etc/apache2) and enables confs and modules
    (the symlinks C(a2enconf) and C(a2enmod) make), as one change that is checked before it
    reaches the live configuration and undone if the live check fails.
  - First the change is made in a scratch copy of the configuration directory and checked
    there with C(apache2 -t). If Apache refuses it, nothing live is touched and the module
    fails with Apache's own error line.
  - Then each replaced file is backed up, the files and links are written, and C(apache2 -t)
    runs on the live directory. If that fails (a configuration that reads live paths the
    scratch copy cannot stand for), the previous files are put back, new files and links
    are removed, and the module fails with Apache's error.
  - It never reloads Apache. It returns RV(restart_required) so the caller can reload
    gracefully, or restart when an MPM file changed (its limits are only read at start-up).
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  files:
    description:
      - Files to write whole, each under O(config_dir) but not in a C(*-enabled) directory
        (write the C(*-available) file and enable it).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description: The whole content.
        type: str
        required: true
      mode:
        description: File mode, as an octal string.
        type: str
        default: "0644"
  enable_confs:
    description:
      - Names of C(conf-available/NAME.conf) files to enable, as C(a2enconf NAME) does.
    type: list
    elements: str
    default: []
  enable_modules:
    description:
      - Names of modules to enable, as C(a2enmod NAME) does, with the modules their C(.load)
        file says they depend on.
    type: list
    elements: str
    default: []
  config_dir:
    description: Apache's configuration directory.
    type: path
    default: /etc/apache2
  apache_binary:
    description: The Apache binary that checks a configuration with C(-t -d DIR).
    type: str
    default: apache2
  validate:
    description: Check the change with C(apache2 -t) before and after it is written.
    type: bool
    default: true
  backup:
    description: Keep a copy of each file replaced, next to it, as the C(backup) option of
      M(ansible.builtin.copy) does.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports every file and link that would change and still checks the change
      in a scratch copy, so check mode fails where a real run would.
  diff_mode:
    support: full
    description: Shows each file's before and after, and each link that would be created.
notes:
  - The check runs C(apache2 -t) with the variables of C(envvars) in O(config_dir), as
    C(apache2ctl configtest) does.
seealso:
  - module: ansible.builtin.template
"""

EXAMPLES = r"""
- name: Write and enable a drop-in, checked by apache2 -t
  sysfix.hardening.apache_config:
    files:
      - path: /etc/apache2/conf-available/sysfix-timeouts.conf
        content: "{{ lookup('ansible.builtin.template', 'timeouts.conf.j2') }}"
    enable_confs: [sysfix-timeouts]
    enable_modules: [reqtimeout]
  register: apache_change
  notify: Reload apache2
"""

RETURN = r"""
changed_files:
  description: Files written (in check mode, that would be written).
  returned: always
  type: list
  elements: str
  sample: ["/etc/apache2/conf-available/sysfix-timeouts.conf"]
created_links:
  description: Links created in C(conf-enabled) and C(mods-enabled).
  returned: always
  type: list
  elements: str
  sample: ["/etc/apache2/conf-enabled/sysfix-timeouts.conf"]
backups:
  description: For each replaced file, where its previous content was kept.
  returned: always
  type: dict
  sample: {"/etc/apache2/mods-available/mpm_event.conf": "/etc/apache2/mods-available/mpm_event.conf.1234.2026-11-27@10:00:00~"}
restart_required:
  description: Whether a changed file is only read when Apache starts (an MPM file), so a
    graceful reload is not enough.
  returned: always
  type: bool
configtest:
  description: Apache's error when the change was refused.
  returned: failure
  type: str
  sample: "AH00526: Syntax error on line 2 of /etc/apache2/sites-enabled/broken.conf: Invalid command 'Bogus'"
"""

import os
import shutil
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.apache import (
    configtest_error,
    is_restart_path,
    module_dependencies,
)


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def current_mode(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


class ApacheChange:
    """The files and links one call changes, worked out before anything is written."""

    def __init__(self, module):
        self.module = module
        self.config_dir = os.path.realpath(module.params["config_dir"])
        self.files = []  # (path, content, mode) that differ
        # path -> (text, os.stat_result) of each file before the change, to
        # put back when the live check fails (whether or not backup is on).
        self.originals = {}
        self.links = []  # (link path, target) that are missing
        self.diff = []

    def relative(self, path):
        return os.path.relpath(path, self.config_dir)

    def plan_files(self):
        for item in self.module.params["files"]:
            path = os.path.abspath(item["path"])
            parent = os.path.realpath(os.path.dirname(path))
            if not (parent + "/").startswith(self.config_dir + "/"):
                self.module.fail_json(msg="%s is not under %s" % (path, self.config_dir))
            if parent.endswith("-enabled"):
                self.module.fail_json(
                    msg="%s is in an *-enabled directory: write the *-available file and enable it" % path
                )
            try:
                mode = int(item["mode"], 8)
            except ValueError:
                self.module.fail_json(msg="mode %r of %s is not an octal number" % (item["mode"], path))
            before = read_text(path)
            if before == item["content"] and current_mode(path) == mode:
                continue
            self.files.append((path, item["content"], mode))
            if before is not None:
                self.originals[path] = (before, os.stat(path))
            self.diff.append({
                "before_header": path,
                "after_header": path,
                "before": before if before is not None else "",
                "after": item["content"],
            })

    def planned_or_existing(self, path):
        return os.path.exists(path) or any(p == path for p, _c, _m in self.files)

    def plan_link(self, kind, name, suffix):
        available = os.path.join(self.config_dir, kind + "-available", name + suffix)
        link = os.path.join(self.config_dir, kind + "-enabled", name + suffix)
        target = os.path.join("..", kind + "-available", name + suffix)
        if os.path.islink(link) and os.path.realpath(link) == os.path.realpath(available):
            return
        if os.path.lexists(link):
            self.module.fail_json(msg="%s exists and is not a link to %s; not replacing it" % (link, available))
        if (link, target) not in self.links:
            self.links.append((link, target))
            self.diff.append({
                "before_header": link,
                "after_header": link,
                "before": "",
                "after": "-> %s\n" % target,
            })

    def plan_links(self):
        for name in self.module.params["enable_confs"]:
            if not self.planned_or_existing(os.path.join(self.config_dir, "conf-available", name + ".conf")):
                self.module.fail_json(msg="conf-available/%s.conf does not exist" % name)
            self.plan_link("conf", name, ".conf")
        seen = set()
        pending = list(self.module.params["enable_modules"])
        while pending:
            name = pending.pop(0)
            if name in seen:
                continue
            seen.add(name)
            load = os.path.join(self.config_dir, "mods-available", name + ".load")
            load_text = read_text(load)
            if load_text is None:
                self.module.fail_json(msg="module %s is not installed: %s does not exist" % (name, load))
            pending.extend(module_dependencies(load_text))
            self.plan_link("mods", name, ".load")
            if self.planned_or_existing(os.path.join(self.config_dir, "mods-available", name + ".conf")):
                self.plan_link("mods", name, ".conf")

    @property
    def empty(self):
        return not self.files and not self.links

    def write_into(self, root):
        """Write the planned files and links under ``root`` (the live or a scratch directory)."""
        written, created = [], []
        for path, content, mode in self.files:
            target = os.path.join(root, self.relative(path))
            handle, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".sysfix-")
            with os.fdopen(handle, "w") as out:
                out.write(content)
            os.chmod(temp, mode)
            os.rename(temp, target)
            written.append(target)
        for link, target in self.links:
            path = os.path.join(root, self.relative(link))
            os.symlink(target, path)
            created.append(path)
        return written, created

    def restore(self, written, created):
        """Put back exactly what was there: the previous files, no new files or links."""
        for path in written:
            if path in self.originals:
                text, before = self.originals[path]
                with open(path, "w") as out:
                    out.write(text)
                os.chmod(path, stat.S_IMODE(before.st_mode))
                os.chown(path, before.st_uid, before.st_gid)
            else:
                os.unlink(path)
        for link in created:
            os.unlink(link)

    def configtest(self, directory):
        """Run apache2 -t on ``directory``; return the refusal, or None when accepted."""
        binary = self.module.get_bin_path(self.module.params["apache_binary"], required=True)
        envvars = os.path.join(self.config_dir, "envvars")
        command = ". %s && exec %s -t -d %s" % (
            _quote(envvars), _quote(binary), _quote(directory)
        )
        # envvars derives its paths from APACHE_CONFDIR; the live ones keep the
        # scratch check from needing run directories of its own.
        rc, out, err = self.module.run_command(
            ["/bin/sh", "-c", command],
            environ_update={"LC_ALL": "C", "APACHE_CONFDIR": self.config_dir},
        )
        if rc == 0:
            return None
        return out + err

    def check_in_scratch_copy(self):
        scratch = tempfile.mkdtemp(prefix="sysfix-apache-")
        try:
            copy = os.path.join(scratch, "apache2")
            shutil.copytree(self.config_dir, copy, symlinks=True)
            self.write_into(copy)
            refusal = self.configtest(copy)
            if refusal is not None:
                return configtest_error(refusal, copy, self.config_dir)
            return None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    path=dict(type="path", required=True),
                    content=dict(type="str", required=True),
                    mode=dict(type="str", default="0644"),
                ),
            ),
            enable_confs=dict(type="list", elements="str", default=[]),
            enable_modules=dict(type="list", elements="str", default=[]),
            config_dir=dict(type="path", default="/etc/apache2"),
            apache_binary=dict(type="str", default="apache2"),
            validate=dict(type="bool", default=True),
            backup=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    change = ApacheChange(module)
    change.plan_files()
    change.plan_links()
    result = dict(
        changed=not change.empty,
        changed_files=[p for p, _c, _m in change.files],
        created_links=[link for link, _t in change.links],
        backups={},
        restart_required=any(is_restart_path(p) for p, _c, _m in change.files),
        diff=change.diff,
    )
    if change.empty:
        module.exit_json(**result)

    if module.params["validate"]:
        refusal = change.check_in_scratch_copy()
        if refusal is not None:
            result["changed"] = False
            module.fail_json(
                msg="apache2 -t refuses the configuration with this change; nothing was changed: %s" % refusal,
                configtest=refusal,
                **result
            )
    if module.check_mode:
        module.exit_json(**result)

    for path, _content, _mode in change.files:
        if module.params["backup"] and os.path.exists(path):
            result["backups"][path] = module.backup_local(path)
    written, created = change.write_into(change.config_dir)

    if module.params["validate"]:
        refusal = change.configtest(change.config_dir)
        if refusal is not None:
            change.restore(written, created)
            result["changed"] = False
            message = configtest_error(refusal, None, change.config_dir)
            module.fail_json(
                msg="apache2 -t refused the live configuration after the change; the previous files "
                "were restored and Apache was not reloaded: %s" % message,
                configtest=message,
                **result
            )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
