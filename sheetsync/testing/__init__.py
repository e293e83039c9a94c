"""Test helpers shipped with sheetsync: a local Google Sheets API emulator."""
