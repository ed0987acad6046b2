"""`make bench`: run every bench/bench_*.py's main() and print figures against GUIDE.md budgets."""
import importlib
import pkgutil
import sys

import bench
from bench import speed


def main() -> int:
    print(speed.report())  # the machine drifts during a bench: measured before and after
    over = 0
    for mod in sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")):
        print(f"== {mod}")
        results = importlib.import_module(f"bench.{mod}").main()
        over += sum(1 for ok in results if not ok)
    print(f"\n{over} figure(s) over budget" if over else "\nall figures within budget")
    print(speed.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
