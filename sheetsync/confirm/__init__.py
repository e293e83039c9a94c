"""Confirmations: each request taken in is answered once, by email or on the Call list
(docs/confirmations.md). reach.py holds the rule of how a requester may be told,
requests.py what each request needs done, content.py what the email and the call say."""
