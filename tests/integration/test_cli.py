import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from retain.cli import RETAIN_COMMANDS, main


def test_retain_help_lists_every_retain_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in RETAIN_COMMANDS:
        assert f"  {name}" in out


def test_python_m_retain_runs_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "retain", "--help"], capture_output=True, text=True, check=True
    )
    assert "usage: retain COMMAND" in result.stdout


@pytest.mark.own_database  # reads no database: the SQLite pass runs it once
def test_every_retain_command_has_help():
    def help_of(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "retain", name, "--help"], capture_output=True, text=True
        )

    # A second each to start; four at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(RETAIN_COMMANDS, pool.map(help_of, RETAIN_COMMANDS), strict=True))
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr)
        assert "usage: retain " in result.stdout
