"""The README's Python example runs as written, and its Quick start has exactly two commands."""

import re
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_quick_start_has_two_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert [len(b.strip().splitlines()) for b in blocks] == [1, 1]
    assert "lstmcast demo" in blocks[0] and "pytest" in blocks[1]
    assert (Path(__file__).parents[1] / ".ci" / "run").read_text().strip().endswith(blocks[1].strip())


def test_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for code in blocks:  # each example runs on its own, as a reader would paste it
        exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "air-model" / "model.json").exists()
