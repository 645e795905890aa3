"""The official ``openai`` Python SDK as a second client: the SDK suite's clients (``client.py``) and the SDK
version matrix (``matrix.py``, ``rulebook sdk-matrix``). Nothing here imports ``openai`` at module level: the
package works without the ``sdk`` extra, and the matrix imports whichever version its environment holds."""
