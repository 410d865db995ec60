"""Hosts on one machine: network namespaces joined by a bridge, each with its own address,
built with `ip` and torn down (with everything started in them) however a test ends."""
import ctypes
import os
import secrets
import subprocess
import threading

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def unavailable_reason() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    probe = f"pa-probe-{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"'ip netns add' failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], check=True)
    return None


class Network:
    """Hosts named by role, each a namespace with `eth0` on one bridge (10.77.0.0/24)."""

    SUBNET = "10.77.0.0/24"

    def __init__(self, *roles: str):
        self.tag = secrets.token_hex(3)
        self.switch = f"pa-{self.tag}-switch"
        self.hosts = {role: f"pa-{self.tag}-{role}" for role in roles}
        self.addresses = {role: f"10.77.0.{index + 1}" for index, role in enumerate(roles)}
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        try:
            self._ip("netns", "add", self.switch)
            self._ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            self._ip("-n", self.switch, "link", "set", "br0", "up")
            for index, (role, namespace) in enumerate(self.hosts.items()):
                self._ip("netns", "add", namespace)
                port = f"v{index}"
                self._ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace)
                self._ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
                self._ip("-n", namespace, "addr", "add", f"{self.addresses[role]}/24", "dev", "eth0")
                self._ip("-n", namespace, "link", "set", "eth0", "up")
                self._ip("-n", namespace, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_):
        for process in reversed(self.processes):
            self.stop(process)
        for namespace in [*self.hosts.values(), self.switch]:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)

    def start(self, role: str, command: list[str], log_path, env: dict | None = None) -> subprocess.Popen:
        """Starts a command on a host; `ip netns exec` execs it, so the PID is the command's own."""
        log = open(log_path, "ab")
        process = subprocess.Popen(["ip", "netns", "exec", self.hosts[role], *command], stdout=log, stderr=log,
                                   env=dict(os.environ, **(env or {})))
        log.close()
        self.processes.append(process)
        return process

    def run(self, role: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.hosts[role], *command], **kwargs)

    @staticmethod
    def stop(process: subprocess.Popen, timeout: float = 15):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def on_host(self, role: str, function):
        """Runs `function` on a thread inside the host's namespace (threads it starts are there too)."""
        outcome = {}

        def enter_and_run():
            try:
                with open(f"/var/run/netns/{self.hosts[role]}") as handle:
                    if _libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), "setns failed")
                outcome["value"] = function()
            except BaseException as error:  # handed to the caller's thread
                outcome["error"] = error

        thread = threading.Thread(target=enter_and_run)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _ip(self, *arguments):
        subprocess.run(["ip", *arguments], check=True, capture_output=True)
