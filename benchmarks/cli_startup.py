"""How long `lstmcast --help` and `lstmcast train --help` take in a new process (target: at most 0.3 s, median of 5).

Wall time depends on what else the machine runs; the CPU time (user + system) of the process is close to
the wall time on a quiet machine, so both are printed. --help loads neither JAX nor NumPy
(tests/test_cli_help.py): `python -X importtime -m lstmcast --help` shows what it does load.

Run: python benchmarks/cli_startup.py
"""

import resource
import statistics
import subprocess
import sys
import time


def measure(args: list[str], repeats: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lstmcast", *args], check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main(repeats: int = 5) -> None:
    for args in (["--help"], ["train", "--help"]):
        walls, cpus = measure(args, repeats)
        print(
            f"lstmcast {' '.join(args)}: median {statistics.median(walls):.3f} s wall, "
            f"{statistics.median(cpus):.3f} s CPU (min {min(walls):.3f} s wall) over {repeats} runs"
        )


if __name__ == "__main__":
    main()
