"""Use-cases: each loads through the unit of work, calls the domain, and commits."""

from __future__ import annotations

from .accounts import *  # noqa: F403
from .accounts import __all__ as _accounts
from .activity import *  # noqa: F403
from .activity import __all__ as _activity
from .attachments import *  # noqa: F403
from .attachments import __all__ as _attachments
from .contacts import *  # noqa: F403
from .contacts import __all__ as _contacts
from .conversations import *  # noqa: F403
from .conversations import __all__ as _conversations
from .delivery import *  # noqa: F403
from .delivery import __all__ as _delivery
from .identifiers import *  # noqa: F403
from .identifiers import __all__ as _identifiers
from .inbox import *  # noqa: F403
from .inbox import __all__ as _inbox
from .organizing import *  # noqa: F403
from .organizing import __all__ as _organizing
from .providers import *  # noqa: F403
from .providers import __all__ as _providers
from .reminders import *  # noqa: F403
from .reminders import __all__ as _reminders
from .timeline import *  # noqa: F403
from .timeline import __all__ as _timeline

__all__ = [
    *_accounts, *_activity, *_attachments, *_contacts, *_conversations, *_delivery, *_identifiers, *_inbox,
    *_organizing, *_providers, *_reminders, *_timeline,
]
