"""Which staff tabs this process serves, per practice: the live refresher (ui/live.py) reaches
only these, and a tab is registered by the page guard once its login is checked."""

from __future__ import annotations

from collections import defaultdict

_clients: dict[int, set[str]] = defaultdict(set)


def subscribe(practice_id: int, client_token: str) -> None:
    for tokens in _clients.values():
        tokens.discard(client_token)  # a client watches one practice at a time
    _clients[practice_id].add(client_token)


def forget(practice_id: int, client_token: str) -> None:
    _clients[practice_id].discard(client_token)


def watchers(practice_id: int) -> list[str]:
    return list(_clients.get(practice_id, ()))
