"""python -m plancal.cli: the same as the plancal command."""

from plancal.cli import main

main(prog_name="plancal")
