"""python -m shnor.demo [DB]: build the demo and print its figures."""
import sys

from shnor.config import DEMO_DB
from shnor.demo.build import build_demo, demo_figures, format_figures
from shnor.store import Store


target = sys.argv[1] if len(sys.argv) > 1 else str(DEMO_DB)
summary = build_demo(target)
print({k: v for k, v in summary.items() if k != "files"})
st = Store.open(target, read_only=True)
print(format_figures(demo_figures(st)))
