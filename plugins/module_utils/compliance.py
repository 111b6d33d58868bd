# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compliance results: what the roles' controls did on each host.

The compliance_summary callback records every task result of a role control
into the RECORDER of this module; the compliance_report lookup (run by
playbooks/compliance.yml in the same controller process, or a fork of it)
turns what was recorded into a report: JSON data, a text table and a
self-contained HTML page. Controller-side only; nothing here runs on hosts.
"""

from __future__ import annotations

import datetime
import difflib
import html

# Every control of every role: what it checks and which runbook answer it
# implements. tests/unit/roles/test_role_contracts.py keeps this in step
# with the roles' task files.
CONTROLS = {
    ("syncookies", "persistent"): ("SYN-flood settings in /etc/sysctl.d, winning at boot",
                                   "Web: SYN flood, sysctl -w net.ipv4.tcp_syncookies=1"),
    ("syncookies", "live"): ("SYN-flood settings in the running kernel",
                             "Web: SYN flood, sysctl -w net.ipv4.tcp_syncookies=1"),
    ("ulimit_profile", "pam_limits"): ("pam_limits drop-in for non-root sessions",
                                       "System: ulimit -Sv 10000; ulimit -Su 15 in /etc/profile"),
    ("ulimit_profile", "profile_script"): ("login-shell soft limits in /etc/profile.d",
                                           "System: ulimit -Sv 10000; ulimit -Su 15 in /etc/profile"),
    ("sendmail_limits", "limits"): ("message size, recipient, load and connection limits",
                                    "Mail: O MaxMessageSize, Mlocal M=, MaxRecipientsPerMessage, RefuseLA/QueueLA"),
    ("sendmail_limits", "header_filters"): ("header filters against ILOVEYOU and Sircam",
                                            "Mail: HSubject: $>Check_Subject, HContent-Disposition: $>check_sircam"),
    ("sendmail_limits", "smtp_auth"): ("SMTP AUTH for the listed users only", "Mail: /etc/mail/smtpauth"),
    ("sendmail_limits", "outbound_smtp"): ("outgoing SMTP from the MTA only",
                                           "Mail: iptables -A OUTPUT -p tcp --syn --dport 25 -j DROP"),
    ("sendmail_limits", "service"): ("sendmail enabled at boot and running",
                                     "Mail: is sendmail alive? accepting connections on port 25"),
    ("inetd_pop3", "inetd"): ("popa3d under inetd with a start limit", "Mail: pop-3 ... nowait.200 in /etc/inetd.conf"),
    ("inetd_pop3", "tcp_wrappers"): ("POP3 clients in hosts.allow and hosts.deny", "Mail: POP3 blocked in /etc/hosts.deny"),
    ("inetd_pop3", "stale_sessions"): ("stale POP3 sessions ended", "Mail: the account is locked, kill the pop3d"),
    ("mail_quota", "filesystem"): ("usrquota on the spool's file system, quota file, quotaon",
                                   "Mail: usrquota and quotacheck for the mail spool"),
    ("mail_quota", "limits"): ("per-user mail quota from UID_MIN, overrides, exceptions",
                               "Mail: edquota -p user for every UID over 499"),
    ("mail_quota", "report"): ("users at or over their soft limit", "Mail: procmail Quota exceeded, a full mailbox"),
    ("apache_limits", "servername"): ("global ServerName", "Web: /~user without a trailing slash"),
    ("apache_limits", "workers"): ("MPM worker limits", "Web: 256 httpd processes, MaxClients"),
    ("apache_limits", "timeouts"): ("Timeout, KeepAlive, mod_reqtimeout", "Web: KeepAlive Off or a short timeout"),
    ("apache_limits", "rlimits"): ("RLimitCPU/MEM/NPROC for CGI", "Web: RLimitMEM for memory-hungry CGIs"),
    ("apache_limits", "request_body"): ("LimitRequestBody", "Web: LimitRequestBody 7168000"),
    ("apache_limits", "forbidden_files"): ("forbidden file names", "Web: chat CGIs forbidden"),
    ("apache_limits", "evasive"): ("mod_evasive flood limits", "(not in the runbook) request floods"),
    ("hotlink_block", "global"): ("server-wide referer allow-list", "Web: hotlinked mpg/asf/wmv"),
    ("hotlink_block", "sites"): ("per-site referer allow-lists", "Web: hotlinked mpg/asf/wmv"),
    ("codered_filter", "access_log"): ("worm requests kept out of access logs", "Web: CodeRed /default.ida in the logs"),
    ("codered_filter", "deny"): ("worm requests answered with an error", "Web: CodeRed /default.ida"),
    ("codered_filter", "firewall"): ("worm requests reset by iptables", "Web: CodeRed iptables -m string"),
}

STATES = ("error", "drifted", "not applicable", "compliant")
RUN_STATES = ("error", "changed", "not applicable", "unchanged")


class Recorder:
    """Per host and control: whether tasks ran, changed, failed; diffs; reasons."""

    def __init__(self):
        self.controls = {}
        self.unreachable = {}
        self.started = datetime.datetime.now(datetime.timezone.utc)

    def _entry(self, host, role, control):
        return self.controls.setdefault(host, {}).setdefault(
            (role, control),
            {"ran": False, "changed": False, "failed": False, "diffs": [], "reasons": [], "errors": [],
             "not_applicable": []},
        )

    def record(self, host, role, control, result, status, task_name=""):
        """One task result: ``status`` is ok, skipped or failed."""
        entry = self._entry(host, role, control)
        reason = result.get("sysfix_not_applicable")
        if reason:
            entry["not_applicable"].append(str(reason))
        if status == "skipped":
            return
        entry["ran"] = True
        if status == "failed":
            entry["failed"] = True
            entry["errors"].append("%s: %s" % (task_name, result.get("msg", "failed")))
        elif result.get("changed"):
            entry["changed"] = True
            for diff in diff_texts(result, task_name):
                entry["diffs"].append(diff)

    def record_not_applicable(self, host, role, reason):
        """A role that does not apply to this host at all (say, Apache not installed)."""
        for (known_role, control) in CONTROLS:
            if known_role == role:
                self._entry(host, role, control)["not_applicable"].append(reason)

    def record_unreachable(self, host, message):
        self.unreachable[host] = message


def diff_texts(result, task_name):
    """The diffs of one result (a loop's items included) as unified-ish text."""
    texts = []
    items = result.get("results") or [result]
    for item in items:
        if not item.get("changed"):
            continue
        diffs = item.get("diff") or []
        if isinstance(diffs, dict):
            diffs = [diffs]
        for diff in diffs:
            before, after = diff.get("before", ""), diff.get("after", "")
            if before == after and not diff.get("prepared"):
                continue
            header = diff.get("after_header") or diff.get("before_header") or task_name
            lines = ["--- %s" % (diff.get("before_header") or header), "+++ %s" % header]
            if diff.get("prepared"):
                lines.append(str(diff["prepared"]).rstrip("\n"))
            else:
                lines += _line_diff(str(before), str(after))
            texts.append("\n".join(lines))
        if not diffs:
            texts.append("%s: would change (no diff available)" % task_name)
    return texts


def _line_diff(before, after):
    return [line.rstrip("\n") for line in difflib.unified_diff(
        before.splitlines(True), after.splitlines(True), n=1)][2:]


def state_of(entry, check_mode=True):
    if entry["failed"]:
        return "error"
    if entry["not_applicable"] and not entry["changed"]:
        return "not applicable"
    if not entry["ran"]:
        return "not applicable"
    if entry["changed"]:
        return "drifted" if check_mode else "changed"
    return "compliant" if check_mode else "unchanged"


def build_report(recorder, check_mode=True):
    """The report as plain data (JSON-ready)."""
    hosts = {}
    counts = dict((state, 0) for state in (STATES if check_mode else RUN_STATES))
    drifted = []
    for host in sorted(set(recorder.controls) | set(recorder.unreachable)):
        rows = {}
        for (role, control), entry in sorted(recorder.controls.get(host, {}).items()):
            state = state_of(entry, check_mode)
            reason = ""
            if state == "not applicable":
                reason = "; ".join(dict.fromkeys(entry["not_applicable"])) or (
                    "turned off (%s_%s_enabled is false)" % (role, control))
            title, runbook = CONTROLS.get((role, control), ("", ""))
            rows["%s/%s" % (role, control)] = {
                "role": role, "control": control, "title": title, "runbook": runbook,
                "state": state, "reason": reason, "diffs": entry["diffs"], "errors": entry["errors"],
            }
            counts[state] += 1
            if state in ("drifted", "changed"):
                drifted.append("%s %s/%s" % (host, role, control))
        if host in recorder.unreachable:
            rows["(host)"] = {"role": "", "control": "(host)", "title": "host unreachable", "runbook": "",
                              "state": "error", "reason": "", "diffs": [],
                              "errors": [recorder.unreachable[host]]}
            counts["error"] += 1
        hosts[host] = rows
    return {
        "generated": recorder.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "check_mode": check_mode,
        "counts": counts,
        "drifted": drifted,
        "hosts": hosts,
    }


def render_table(report):
    """The short table for stdout, one line per host and control."""
    rows = [(host, key, row["state"] + (" (%s)" % row["reason"] if row["reason"] else ""))
            for host, controls in report["hosts"].items() for key, row in controls.items()]
    if not rows:
        return "no controls recorded"
    width_host = max(len("host"), *(len(r[0]) for r in rows))
    width_control = max(len("control"), *(len(r[1]) for r in rows))
    lines = ["%-*s  %-*s  %s" % (width_host, "host", width_control, "control", "state")]
    lines += ["%-*s  %-*s  %s" % (width_host, h, width_control, c, s) for h, c, s in rows]
    lines.append("total: " + ", ".join("%d %s" % (n, s) for s, n in report["counts"].items() if n))
    return "\n".join(lines)


_COLOURS = {
    "compliant": "#d7f5dd", "unchanged": "#d7f5dd", "drifted": "#ffe8a6", "changed": "#ffe8a6",
    "not applicable": "#e4e4e4", "error": "#ffc9c9",
}


def render_html(report, title="sysfix.hardening compliance"):
    """One self-contained page: hosts x controls, colour per state, diffs behind drifted cells."""
    controls = []
    for rows in report["hosts"].values():
        for key, row in rows.items():
            if key not in controls:
                controls.append(key)
    controls.sort()
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>%s</title>' % esc(title),
        "<style>",
        "body{font-family:sans-serif;margin:1.5em;color:#222}",
        "table{border-collapse:collapse;font-size:14px}",
        "th,td{border:1px solid #999;padding:4px 8px;vertical-align:top;text-align:left}",
        "th.control{font-weight:normal}th .runbook{color:#555;font-size:12px}",
        "details pre{max-width:40em;overflow:auto;font-size:12px;background:#fff;padding:4px}",
        ".legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid #999}",
        "</style></head><body>",
        "<h1>%s</h1>" % esc(title),
        "<p>Generated %s &middot; %s</p>" % (
            esc(report["generated"]), "check mode: nothing was changed" if report["check_mode"] else "hardening run"),
        '<p class="legend">' + "".join(
            '<span style="background:%s">%s: %d</span>' % (_COLOURS[s], esc(s), n) for s, n in report["counts"].items()
        ) + "</p>",
        '<table id="compliance"><thead><tr><th>control</th>',
    ]
    hosts = list(report["hosts"])
    out += ["<th>%s</th>" % esc(host) for host in hosts]
    out.append("</tr></thead><tbody>")
    for key in controls:
        sample = next(rows[key] for rows in report["hosts"].values() if key in rows)
        out.append('<tr><th class="control">%s<br><span class="runbook">%s</span></th>' % (
            esc(key), esc(sample["runbook"])))
        for host in hosts:
            row = report["hosts"][host].get(key)
            if row is None:
                # The host is not in the group this role is for.
                out.append('<td class="absent" title="not in the group this role is for">&mdash;</td>')
                continue
            cell = [esc(row["state"])]
            if row["reason"]:
                cell.append('<br><small>%s</small>' % esc(row["reason"]))
            details = row["diffs"] + row["errors"]
            if details:
                cell.append("<details><summary>%s</summary><pre>%s</pre></details>" % (
                    "diff" if row["diffs"] else "error", esc("\n\n".join(details))))
            out.append('<td class="state" data-state="%s" style="background:%s">%s</td>' % (
                esc(row["state"]), _COLOURS[row["state"]], "".join(cell)))
        out.append("</tr>")
    out += ["</tbody></table>", "</body></html>"]
    return "\n".join(out) + "\n"


# Set by the compliance_summary callback when it is enabled; read by the
# compliance_report lookup.
RECORDER = None
