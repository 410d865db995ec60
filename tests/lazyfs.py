"""LazyFS (../shared/lazyfs): a FUSE file system that keeps written data in its own cache until
the program fsyncs it, and drops every unsynced byte on command. A power cut, for tests."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = ROOT.parent / "shared" / "lazyfs" / "build.sh"
BUILD_DIR = Path(os.environ.get("LAZYFS_BUILD_DIR", "/tmp/lazyfs-build"))

CONFIG = """[faults]
fifo_path="{faults}"
fifo_path_completed="{completed}"
[cache]
apply_eviction=false
[cache.simple]
custom_size="1gb"
blocks_per_page=1
[filesystem]
log_all_operations=false
logfile=""
"""


def binary_or_skip() -> str:
    """The LazyFS binary, built once per machine; skips, saying why, where FUSE or LazyFS is missing."""
    if not BUILD_SCRIPT.exists():
        pytest.skip(f"LazyFS is not here ({BUILD_SCRIPT} is missing): no power cut to simulate")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("this machine has no /dev/fuse: LazyFS cannot mount")
    built = subprocess.run(["bash", str(BUILD_SCRIPT), str(BUILD_DIR)], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, f"LazyFS did not build: {built.stderr[-2000:]}"
    return built.stdout.strip().splitlines()[-1]


class LazyFS:
    """One mount: `mount` is where the program writes, `cut_power()` drops what it did not sync."""

    def __init__(self, binary: str):
        # No "-" in the folder's name: LazyFS takes a --config-path value containing "-o" (in any
        # case) for a missing path and loads config/default.toml instead, so a random name
        # starting with "o" failed to mount, one start in 37 (found in CI).
        self.dir = Path(tempfile.mkdtemp(prefix="people_lazyfs_"))
        assert "-o" not in str(self.dir).lower(), f"LazyFS would not read a config under {self.dir}"
        self.mount = self.dir / "mnt"
        self.backing = self.dir / "backing"
        self.faults = self.dir / "faults.fifo"
        self.completed = self.dir / "completed.fifo"
        self.mount.mkdir()
        self.backing.mkdir()
        os.mkfifo(self.faults)
        os.mkfifo(self.completed)
        # Held open for the mount's life: LazyFS opens the completion fifo for writing when it
        # starts, and blocks there until a reader has it open.
        self.completed_reader = os.open(self.completed, os.O_RDONLY | os.O_NONBLOCK)
        config = self.dir / "lazyfs.toml"
        config.write_text(CONFIG.format(faults=self.faults, completed=self.completed))
        command = [binary, str(self.mount), "--config-path", str(config), "-o", "allow_other", "-o", "modules=subdir",
                   "-o", f"subdir={self.backing}", "-f"]
        self.log = open(self.dir / "lazyfs.log", "wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log)
        if not self._wait_for_mount(seconds=30):
            said = (self.dir / "lazyfs.log").read_text(errors="replace")[-500:]  # before unmount() removes it
            self.unmount()
            pytest.skip(f"LazyFS could not mount here: {said}")

    def _wait_for_mount(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not os.path.ismount(self.mount):
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def cut_power(self):
        """Drops every byte written since its file's last fsync, and returns once LazyFS says it has."""
        with open(self.faults, "w") as faults:
            faults.write("lazyfs::clear-cache\n")
        deadline = time.monotonic() + 30
        answer = b""
        while b"finished::clear-cache" not in answer:
            assert time.monotonic() < deadline, "LazyFS did not confirm the cleared cache"
            try:
                answer += os.read(self.completed_reader, 256)
            except BlockingIOError:
                time.sleep(0.01)

    def _stop_process(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def unmount(self):
        if os.path.ismount(self.mount):
            subprocess.run(["fusermount3", "-u", str(self.mount)], capture_output=True)
        self._stop_process()
        self.log.close()
        os.close(self.completed_reader)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def mounted():
    filesystem = LazyFS(binary_or_skip())
    try:
        yield filesystem
    finally:
        filesystem.unmount()
