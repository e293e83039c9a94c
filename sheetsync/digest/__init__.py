"""Weekly digests: what each audience needs to know, rendered from jinja2 templates in
their language, and delivered by SMTP or into an outbox folder, once per recipient and
period."""
