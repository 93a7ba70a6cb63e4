"""Business operations. Views, APIs, CLI and jobs call these; nothing here reads request state."""
