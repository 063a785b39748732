import json
import subprocess
import sys

from typer.testing import CliRunner

from lstmcast.cli import app

runner = CliRunner()


def test_demo_exits_0_and_writes_png(tmp_path):
    # A path longer than the 80-column console must still print on one line.
    out = tmp_path / ("a_long_folder_name_" * 5)
    out.mkdir()
    result = runner.invoke(app, ["demo", "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    png = out / "demo.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for text in ("Epoch 2/2", "10,451", "Test loss (MSE, scaled data):", "Predicted next value:", str(png)):
        assert text in result.output


def test_demo_json(tmp_path):
    result = runner.invoke(app, ["demo", "--epochs", "1", "--out", str(tmp_path), "--json", "--format", "svg"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["params"] == 10_451 and data["epochs"] == 1
    assert (tmp_path / "demo.svg").exists()


def test_usage_error_exits_2():
    result = runner.invoke(app, ["demo", "--epochs", "many"])
    assert result.exit_code == 2


def test_user_error_is_one_red_line_and_exit_1(tmp_path):
    result = runner.invoke(app, ["demo", "--epochs", "1", "--batch-size", "0", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Error: --batch-size 0 must be a positive integer." in result.output  # the flag, not the keyword
    assert "Traceback" not in result.output


def test_help_does_not_import_jax():
    """--help stays instant because jax is imported only inside commands (timing: benchmarks/cli_startup.py)."""
    code = "import sys; from lstmcast.cli import app; import lstmcast; assert 'jax' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    out = subprocess.run([sys.executable, "-m", "lstmcast", "--help"], check=True, capture_output=True, text=True)
    assert "demo" in out.stdout
