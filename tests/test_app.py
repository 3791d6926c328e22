"""The app class: Flask's handling of sync and async handlers, with the coroutine check remembered."""
from __future__ import annotations


def test_the_memo_holds_one_entry_per_function_not_per_request(app, client):
    for _ in range(3):
        assert client.get("/v1/images/img-1").status_code == 200
    remembered = len(app._is_coroutine)
    for _ in range(5):  # each request makes a new view instance, hence new bound methods
        assert client.get("/v1/images/img-1").status_code == 200
    assert 0 < remembered == len(app._is_coroutine)


def test_async_handlers_still_go_to_async_to_sync(app, monkeypatch):
    converted = []
    monkeypatch.setattr(app, "async_to_sync", lambda func: converted.append(func) or "wrapped")

    async def coroutine_view():
        return "async"

    def plain_view():
        return "sync"

    for _ in range(2):  # the second time from the memo
        assert app.ensure_sync(coroutine_view) == "wrapped"
        assert app.ensure_sync(plain_view) is plain_view
    assert converted == [coroutine_view, coroutine_view]

    class View:
        async def get(self):
            return "async method"

    assert app.ensure_sync(View().get) == "wrapped"
