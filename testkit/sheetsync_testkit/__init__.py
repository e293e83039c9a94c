"""sheetsync's test kit, kept out of the sheetsync package: a local Google Sheets API v4
emulator with a token endpoint (sheets_emulator.py) and a generator of messy contact lists
with their truth (contacts_generator.py). Installed by `make test` and `make bench`."""
