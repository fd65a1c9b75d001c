from sheetnet.cli import main

main()
