"""The reference server's chat area: Chat Completions and stored chat completions, with streaming."""
