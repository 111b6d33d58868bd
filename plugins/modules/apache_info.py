#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apache_info
short_description: Read what Debian's Apache 2.4 has installed and enabled
version_added: 0.1.0
description:
  - Tells whether Apache is installed and running, which MPM is enabled, which confs, modules
    and sites are enabled, and the host's fully qualified name (the ServerName Apache would
    want).
  - Can also return the text of configuration files in the same call (O(read_files),
    O(read_enabled_files)), so that a role that edits them reads them all at once instead of
    one task per file.
  - Changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  config_dir:
    description: Apache's configuration directory.
    type: path
    default: /etc/apache2
  require_installed:
    description: Fail, with a message that says what to install, when Apache is not installed.
    type: bool
    default: false
  read_files:
    description:
      - Files whose text to return in RV(file_contents). A file that cannot be read, or is not
        UTF-8 text, fails the module with its path and the reason.
    type: list
    elements: path
    default: []
  read_enabled_files:
    description: Also return the text of every enabled site and conf file (RV(enabled_site_files), RV(enabled_conf_files)).
    type: bool
    default: false
seealso:
  - module: sysfix.hardening.apache_config
"""

EXAMPLES = r"""
- name: Read Apache's state, and stop where it is not installed
  sysfix.hardening.apache_info:
    require_installed: true
  register: apache

- name: Show the MPM
  ansible.builtin.debug:
    msg: "{{ apache.mpm }}"

- name: Read the enabled sites and confs in one call
  sysfix.hardening.apache_info:
    read_enabled_files: true
  register: apache_files

- name: Show which of them set a CustomLog
  ansible.builtin.debug:
    msg: "{{ apache_files.file_contents | dict2items | selectattr('value', 'search', 'CustomLog') | map(attribute='key') }}"
"""

RETURN = r"""
installed:
  description: Whether the apache2 binary and its configuration directory exist.
  returned: always
  type: bool
running:
  description: Whether systemd reports apache2 active.
  returned: always
  type: bool
mpm:
  description: The enabled MPM (C(event), C(worker), C(prefork)), or null unless exactly one is enabled.
  returned: always
  type: str
  sample: event
mpms:
  description: Every enabled MPM (more than one is a broken configuration).
  returned: always
  type: list
  elements: str
enabled_confs:
  description: Names of the enabled confs.
  returned: always
  type: list
  elements: str
enabled_modules:
  description: Names of the enabled modules.
  returned: always
  type: list
  elements: str
enabled_sites:
  description: Names of the enabled sites.
  returned: always
  type: list
  elements: str
enabled_site_files:
  description: The files the enabled sites are, with links resolved (the files to edit).
  returned: always
  type: list
  elements: str
  sample: ["/etc/apache2/sites-available/000-default.conf"]
enabled_conf_files:
  description: The files the enabled confs are, with links resolved.
  returned: always
  type: list
  elements: str
fqdn:
  description: The host's fully qualified name.
  returned: always
  type: str
  sample: www1.example.com
file_contents:
  description: The text of each file asked for with O(read_files) or O(read_enabled_files), by path.
  returned: always
  type: dict
  sample: {"/etc/apache2/sites-available/000-default.conf": "<VirtualHost *:80>\n..."}
"""

import glob
import os
import socket

from ansible.module_utils.basic import AnsibleModule


def enabled(config_dir, kind, suffix):
    names = glob.glob(os.path.join(config_dir, kind + "-enabled", "*" + suffix))
    return sorted(os.path.basename(name)[: -len(suffix)] for name in names)


def enabled_files(config_dir, kind):
    names = glob.glob(os.path.join(config_dir, kind + "-enabled", "*.conf"))
    return sorted(os.path.realpath(name) for name in names if os.path.exists(name))


def read_text(module, path):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, exc.strerror or exc))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        module.fail_json(msg="%s is not UTF-8 text (byte %d): it is left as it is; fix or name other files"
                         % (path, exc.start))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_dir=dict(type="path", default="/etc/apache2"),
            require_installed=dict(type="bool", default=False),
            read_files=dict(type="list", elements="path", default=[]),
            read_enabled_files=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    config_dir = module.params["config_dir"]
    binary = module.get_bin_path("apache2", opt_dirs=["/usr/sbin"])
    installed = binary is not None and os.path.isdir(config_dir)
    if not installed and module.params["require_installed"]:
        module.fail_json(
            msg="Apache is not installed on this host (no apache2 binary or no %s): install "
            "Debian's apache2 package, or take the host out of the webservers group" % config_dir
        )
    modules = enabled(config_dir, "mods", ".load")
    mpms = [name[len("mpm_"):] for name in modules if name.startswith("mpm_")]
    running = False
    systemctl = module.get_bin_path("systemctl")
    if installed and systemctl:
        rc, _out, _err = module.run_command([systemctl, "is-active", "--quiet", "apache2"])
        running = rc == 0
    site_files = enabled_files(config_dir, "sites")
    conf_files = enabled_files(config_dir, "conf")
    wanted = list(module.params["read_files"])
    if module.params["read_enabled_files"]:
        wanted += site_files + conf_files
    contents = {}
    for path in wanted:
        if path not in contents:
            contents[path] = read_text(module, path)
    module.exit_json(
        changed=False,
        installed=installed,
        running=running,
        mpm=mpms[0] if len(mpms) == 1 else None,
        mpms=mpms,
        enabled_confs=enabled(config_dir, "conf", ".conf"),
        enabled_modules=modules,
        enabled_sites=enabled(config_dir, "sites", ".conf"),
        enabled_site_files=site_files,
        enabled_conf_files=conf_files,
        fqdn=socket.getfqdn(),
        file_contents=contents,
    )


if __name__ == "__main__":
    main()
