"""The Responses API: create (plain, streamed, background), retrieve, delete, cancel and the input items list."""
