from sheetnet.cli import main

main(prog_name="sheetnet")
