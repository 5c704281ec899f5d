"""Sign-in accounts (argon2id password hashes, roles), sessions and the audit log, in the store.

Roles, from least to most rights:

- ``viewer`` (managers): reads every page and report.
- ``analyst``: a viewer who also uploads, replaces and deletes datasets.
- ``evaluator`` (project office, internal audit): a viewer who also runs comparisons and
  exports compare reports.
- ``admin``: everything, plus users and the audit log.

Analyst and evaluator are siblings: an analyst does *not* hold evaluator rights and an
evaluator cannot change data. Keeping the people who load the data apart from the people
who judge the redesign is a separation of duties; an admin holds both.

Shared by the command line (``loanflow users``, ``loanflow audit``) and the dashboard
(sign-in, the Admin page); it lives beside ``etl`` rather than in it, since it is not
about loading logs. ``etl`` never imports it.
"""

from accounts.audit import ACTIONS, AuditEntry, audit, audit_actions, audit_entries, recent_failures
from accounts.sessions import (
    Session,
    end_session,
    end_sessions,
    forget_old_sessions,
    live_sessions,
    session_user,
    start_session,
)
from accounts.signin import Limits, SignInGate
from accounts.users import (
    ROLES,
    Role,
    User,
    add_user,
    get_user,
    has_role,
    list_users,
    min_password_length,
    remove_user,
    set_disabled,
    set_password,
    set_role,
    user_count,
    verify,
)

__all__ = [
    "ACTIONS",
    "ROLES",
    "AuditEntry",
    "Limits",
    "Role",
    "Session",
    "SignInGate",
    "User",
    "add_user",
    "audit",
    "audit_actions",
    "audit_entries",
    "end_session",
    "end_sessions",
    "forget_old_sessions",
    "get_user",
    "has_role",
    "list_users",
    "live_sessions",
    "min_password_length",
    "recent_failures",
    "remove_user",
    "session_user",
    "set_disabled",
    "set_password",
    "set_role",
    "start_session",
    "user_count",
    "verify",
]
