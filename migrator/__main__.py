from migrator.quick import main

main()
