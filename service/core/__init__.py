"""The domain: the store and its Lua scripts, moderation, follow-ups, queues, trust, notices.

No Flask here: the workers run on this alone."""
