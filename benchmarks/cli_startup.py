"""How long `lstmcast --help` takes in a new process (target: under 0.5 s).

Run: python benchmarks/cli_startup.py
"""

import statistics
import subprocess
import sys
import time


def main(repeats: int = 7) -> None:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lstmcast", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    print(f"lstmcast --help: median {statistics.median(times):.3f} s, min {min(times):.3f} s over {repeats} runs")


if __name__ == "__main__":
    main()
