"""Administration (spec 1.7): users, roles, the WhatsApp whitelist, sessions and the audit trail.

One service (sentient/admin/service.py) used by the web pages and the CLI alike; it checks permissions
in code and writes a log_audit row with old and new values for every change.
"""
