from onenumber_cli.cli.app import main

main()
