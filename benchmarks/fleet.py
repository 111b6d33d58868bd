"""Fleet benchmark: harden and compliance runs across N test containers.

For each fleet size N it starts N containers from the test images (mail and
web servers mixed, Debian 12 and 13 alternating), prepares them, and
measures from one run each:

  converge    the first run of playbooks/harden.yml
  idempotent  the second run (nothing left to change)
  compliance  playbooks/compliance.yml (check and diff mode, report written)

with the wall time, the tasks executed (task results, all hosts) and the
controller's CPU time (user + system of ansible-playbook and its forks). It
prints a table, the ratios the targets are about, the controller's peak
memory at the largest N, and writes docs/fleet-benchmark.png (seconds
against N, one line per kind of run) and docs/fleet-benchmark.md.

It is a measurement, not a test: run it on a quiet machine, with the venv,
the engine and the images set up (make setup):

  .venv/bin/python benchmarks/fleet.py                 # N = 1, 4, 8, 16
  .venv/bin/python benchmarks/fleet.py --sizes 1,8 --strategy mitogen_linear

Forks default to N, so that the fleet is handled in one wave.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREFIX = "sysfix-bench-"


def sh(*command, check=True, **kwargs):
    return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


def start_fleet(size):
    names = []
    for index in range(size):
        release = "debian12" if index % 2 == 0 else "debian13"
        image = os.environ.get("SYSFIX_IMAGE_" + release.upper(), "sysfix/" + release)
        role = "mail" if index % 2 == 0 else "web"
        name = "%s%s%d" % (PREFIX, role, index)
        sh("docker", "rm", "-f", name, check=False)
        sh("docker", "run", "-d", "--name", name, "--hostname", "%s%d.bench.sysfix.test" % (role, index),
           "--network", "none", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
           "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
           "--stop-signal", "SIGRTMIN+3", image, "/lib/systemd/systemd")
        names.append(name)
    return names


def stop_fleet(names):
    if names:
        sh("docker", "rm", "-f", *names, check=False)


def write_inventory(names, directory, connection="community.docker.docker"):
    mail = [n for n in names if "-mail" in n]
    web = [n for n in names if "-web" in n]
    if len(names) == 1:
        # One host stands for the whole fleet: it is in both groups.
        mail = web = names
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": connection,
                "ansible_python_interpreter": "/usr/bin/python3",
                # The images have no network and a kernel without quota
                # support: the mail_quota role records and warns.
                "mail_quota_unsupported": "warn",
            },
            "children": {
                "mailservers": {"hosts": dict((n, None) for n in mail)},
                "webservers": {"hosts": dict((n, None) for n in web)},
            },
        }
    }
    path = Path(directory) / "inventory.json"
    path.write_text(json.dumps(inventory))
    return path


def playbook(inventory, name, forks, strategy, extra=(), profile=False, save_dir=None):
    """Run a playbook; return wall seconds, CPU seconds, tasks executed, peak RSS (KiB).

    With ``profile`` the output is the default callback's with the
    ansible.posix.profile_tasks summary (the slowest tasks), returned as ``output``.
    With ``save_dir`` every task result (host, task, status) is written there.
    """
    env = dict(os.environ)
    env.update(
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_CALLBACKS_ENABLED="sysfix.hardening.compliance_summary",
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_PIPELINING="True",
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
    )
    if profile:
        env.update(ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
                   ANSIBLE_CALLBACK_RESULT_FORMAT="json", PROFILE_TASKS_TASK_OUTPUT_LIMIT="30",
                   ANSIBLE_DISPLAY_OK_HOSTS="True", ANSIBLE_DISPLAY_SKIPPED_HOSTS="True")
    if strategy:
        env["ANSIBLE_STRATEGY"] = strategy
        if strategy.startswith("mitogen"):
            import ansible_mitogen

            env["ANSIBLE_STRATEGY_PLUGINS"] = str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(REPO / "playbooks" / name), *extra],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if profile:
        if proc.returncode != 0:
            raise SystemExit("%s failed:\n%s" % (name, proc.stdout[-3000:]))
        # "TASK [role : name] ***" once per task, "ok:", "changed:", "skipping:" once per host.
        tasks = sum(1 for line in proc.stdout.splitlines()
                    if line.startswith(("ok: [", "changed: [", "skipping: [", "fatal: [")))
        recap = proc.stdout[proc.stdout.rfind("PLAY RECAP"):]
        return {"wall": wall, "cpu": cpu, "tasks": tasks, "output": recap}
    try:
        # The json callback's document; the compliance_summary callback's table
        # (what users see, so it stays on) is printed beside it.
        start = proc.stdout.index("\n{") + 1 if not proc.stdout.startswith("{") else 0
        document = json.JSONDecoder().raw_decode(proc.stdout[start:])[0]
    except ValueError:
        raise SystemExit("%s failed to run:\n%s\n%s" % (name, proc.stdout[-3000:], proc.stderr[-3000:]))
    tasks = sum(len(task["hosts"]) for play in document["plays"] for task in play["tasks"])
    if save_dir:
        # One line per task result, to compare two runs (strategies) task by task.
        path = Path(save_dir) / ("%s-%s-%d.txt" % (strategy or "linear", name, time.time()))
        path.write_text("".join("%s\t%s\t%s\n" % (host, task["task"]["name"], status(result))
                                for play in document["plays"] for task in play["tasks"]
                                for host, result in sorted(task["hosts"].items())))
    failures = sum(stats["failures"] + stats["unreachable"] for stats in document["stats"].values())
    return {"wall": wall, "cpu": cpu, "tasks": tasks, "rc": proc.returncode, "failures": failures,
            "peak_rss_kib": after.ru_maxrss}


def status(result):
    if result.get("skipped"):
        return "skipped"
    if result.get("failed") or result.get("unreachable"):
        return "failed"
    return "changed" if result.get("changed") else "ok"


def measure(size, forks, strategy, report_dir, profile=False, save_dir=None):
    names = start_fleet(size)
    try:
        with tempfile.TemporaryDirectory() as directory:
            # Mitogen replaces only connections it knows by their short name
            # (docker, not community.docker.docker); with any other name its
            # strategy runs Ansible's own connection and measures nothing new.
            connection = "docker" if (strategy or "").startswith("mitogen") else "community.docker.docker"
            inventory = write_inventory(names, directory, connection)
            # Sixteen containers booting at once on two cores: a host may not
            # answer the first time. The prepare step is safe to run again.
            for _attempt in range(3):
                prepare = subprocess.run(
                    ["ansible-playbook", "-i", str(inventory), str(REPO / "molecule" / "_shared" / "prepare.yml")],
                    cwd=REPO, capture_output=True, text=True, check=False,
                    env=dict(os.environ, ANSIBLE_FORKS=str(forks),
                             ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections")),
                )
                if prepare.returncode == 0:
                    break
                time.sleep(10)
            if prepare.returncode != 0:
                raise SystemExit("prepare failed:\n" + prepare.stdout[-3000:])
            if profile:
                return {
                    "converge": playbook(inventory, "harden.yml", forks, strategy, profile=True),
                    "idempotent": playbook(inventory, "harden.yml", forks, strategy, profile=True),
                }
            runs = {
                "converge": playbook(inventory, "harden.yml", forks, strategy, save_dir=save_dir),
                "idempotent": playbook(inventory, "harden.yml", forks, strategy, save_dir=save_dir),
                "compliance": playbook(inventory, "compliance.yml", forks, strategy,
                                       ["--check", "--diff", "-e", "compliance_report_dir=%s" % report_dir],
                                       save_dir=save_dir),
            }
    finally:
        stop_fleet(names)
    for kind, run in runs.items():
        if run["failures"]:
            raise SystemExit("N=%d %s: %d hosts failed" % (size, kind, run["failures"]))
    return runs


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for kind in ("converge", "idempotent", "compliance"):
        axes.plot(sizes, [results[n][kind]["wall"] for n in sizes], marker="o", label=kind)
    axes.set_xlabel("hosts (N)")
    axes.set_ylabel("wall time (s)")
    axes.set_xticks(sizes)
    axes.set_title("sysfix.hardening on N containers, forks = N")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def machine():
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return "%d CPUs (%s), Python %s, %s" % (os.cpu_count(), model, platform.python_version(), platform.release())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1,4,8,16")
    parser.add_argument("--forks", type=int, help="default: N")
    parser.add_argument("--strategy", help="for example mitogen_linear (needs the mitogen package)")
    parser.add_argument("--output", default=str(REPO / "docs" / "fleet-benchmark"))
    parser.add_argument("--profile", metavar="FILE",
                        help="instead: converge and re-run one host with the profile_tasks callback, "
                             "and write its summaries (the slowest tasks) to FILE")
    parser.add_argument("--save-results", metavar="DIR",
                        help="write every run's task results (host, task, status) into DIR")
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as report_dir:
            runs = measure(1, 1, args.strategy, report_dir, profile=True)
        text = "".join("## %s: %.1f s wall, %d task results, controller CPU %.1f s\n\n%s\n"
                       % (kind, run["wall"], run["tasks"], run["cpu"], run["output"])
                       for kind, run in runs.items())
        Path(args.profile).write_text("Measured on %s, %s; strategy %s.\n\n%s"
                                      % (machine(), time.strftime("%Y-%m-%d %H:%M"), args.strategy or "linear", text))
        print(text)
        return
    sizes = [int(n) for n in args.sizes.split(",")]
    results = {}
    failed = None
    with tempfile.TemporaryDirectory() as report_dir:
        for size in sizes:
            print("measuring N=%d ..." % size, file=sys.stderr, flush=True)
            try:
                results[size] = measure(size, args.forks or size, args.strategy, report_dir,
                                        save_dir=args.save_results)
            except SystemExit as exc:
                # Keep what was measured: the table is written for the sizes that ran.
                failed = "N=%d failed: %s" % (size, exc)
                print(failed, file=sys.stderr)
                break
            print(json.dumps({size: results[size]}), file=sys.stderr, flush=True)
    if not results:
        raise SystemExit(failed)
    sizes = sorted(results)
    lines = [
        "Measured on %s, %s." % (machine(), time.strftime("%Y-%m-%d")),
        "Strategy: %s; forks: %s." % (args.strategy or "linear", args.forks or "N"),
        "",
        "| N | run | wall (s) | tasks | controller CPU (s) |",
        "|---:|---|---:|---:|---:|",
    ]
    for size in sizes:
        for kind in ("converge", "idempotent", "compliance"):
            run = results[size][kind]
            lines.append("| %d | %s | %.1f | %d | %.1f |" % (size, kind, run["wall"], run["tasks"], run["cpu"]))
    first = results[sizes[0]]
    lines += [
        "",
        "| ratio | value | target |",
        "|---|---:|---|",
        "| idempotent / converge, N=%d | %.2f | <= 0.4 |" % (sizes[0], first["idempotent"]["wall"] / first["converge"]["wall"]),
        "| compliance / converge, N=%d | %.2f | <= 0.4 |" % (sizes[0], first["compliance"]["wall"] / first["converge"]["wall"]),
    ]
    if 8 in results and 1 in results:
        lines.append("| converge N=8 / N=1 | %.2f | <= 3 |" % (results[8]["converge"]["wall"] / results[1]["converge"]["wall"]))
    largest = max(sizes)
    peak = max(run["peak_rss_kib"] for run in results[largest].values())
    lines += ["", "Controller peak memory at N=%d: %.0f MiB (largest single process)." % (largest, peak / 1024.0)]
    if failed:
        lines += ["", "Not measured: " + failed.splitlines()[0]]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.output + ".md").write_text(text)
    plot(results, args.output + ".png")
    print("wrote %s.md and %s.png" % (args.output, args.output))


if __name__ == "__main__":
    main()
