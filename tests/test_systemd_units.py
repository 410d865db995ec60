"""The production systemd units are checked by systemd's own verifier (no systemd needs to run)."""
import shutil
import subprocess

import pytest

from stack import BINARY, ROOT

PRODUCTION = ROOT / "nginx/production"
UNIT_SETS = {
    "standalone": [PRODUCTION / "people-api.service"],
    "socket-activation": [PRODUCTION / "socket-activation/people-api.socket", PRODUCTION / "socket-activation/people-api.service"],
    "application-host": [PRODUCTION / "application-host/people-api.socket", PRODUCTION / "application-host/people-api.service"],
}


@pytest.mark.parametrize("name", UNIT_SETS)
def test_units_pass_systemd_analyze_verify(name, tmp_path):
    assert shutil.which("systemd-analyze"), "systemd-analyze is installed by scripts/install-deps.sh test"
    for unit in UNIT_SETS[name]:
        # The verifier checks that ExecStart's program exists: point it at this build.
        text = unit.read_text().replace("/usr/local/bin/people-api", BINARY)
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", "--man=no"] + [unit.name for unit in UNIT_SETS[name]],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "Unknown" not in report and "not executable" not in report and "Failed" not in report, report


def test_socket_activation_hands_the_socket_over_as_fd_0():
    service = (PRODUCTION / "socket-activation/people-api.service").read_text()
    socket_unit = (PRODUCTION / "socket-activation/people-api.socket").read_text()
    assert "StandardInput=socket" in service and "Restart=always" in service
    assert "--listen" not in service  # the responder serves fd 0
    assert "SocketMode=0660" in socket_unit and "SocketGroup=www-data" in socket_unit


def test_an_application_host_serves_the_shared_database_to_the_nginx_host_only():
    service = (PRODUCTION / "application-host/people-api.service").read_text()
    settings = (PRODUCTION / "application-host/people-api.env.example").read_text()
    # The URL (with its password) reaches the responders in their environment, never their command line.
    exec_start = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    assert exec_start and all("DATABASE_URL" not in line and "--database " not in line for line in exec_start)
    assert "EnvironmentFile=/etc/people-api/people-api.env" in service and "UMask=0077" in service
    assert "StandardInput=socket" in service and "Restart=always" in service
    assert "DATABASE_URL=postgresql://" in settings and "FCGI_WEB_SERVER_ADDRS=" in settings


@pytest.mark.parametrize("name", ["standalone", "socket-activation"])
def test_the_state_directory_is_the_services_alone(name):
    service = UNIT_SETS[name][-1].read_text()
    assert "StateDirectoryMode=0700" in service and "UMask=0077" in service
