from rai.cli import run

run()
