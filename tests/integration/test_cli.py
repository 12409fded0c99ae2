import subprocess
import sys

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


def test_every_retain_command_has_help():
    for name in RETAIN_COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "retain", name, "--help"], capture_output=True, text=True
        )
        assert result.returncode == 0, (name, result.stderr)
        assert "usage: retain " in result.stdout
