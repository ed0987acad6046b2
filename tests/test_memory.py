"""Memory goes back when the class has gone: the idle sweeper's decision, and what a sweep empties."""
import streamlit as st

import optim_viz_memory as memory


def test_sweeps_once_after_an_idle_spell_and_not_while_anyone_is_left():
    count = [0]
    s = memory.IdleSweeper(lambda: count[0], idle_s=60)
    assert not s.tick(0)  # a fresh process with nobody yet: nothing to give back
    count[0] = 3
    assert not s.tick(10)
    count[0] = 0
    assert [s.tick(t) for t in (20, 69, 70, 80, 500)] == [False, False, True, False, False]
    count[0] = 1
    assert not s.tick(600)
    count[0] = 0
    assert not s.tick(650) and s.tick(660)


def test_release_memory_empties_the_caches():
    calls = []

    @st.cache_resource(max_entries=4)
    def built(x):
        calls.append(x)
        return [x]

    built(1), built(1)
    memory.release_memory()
    built(1)
    assert calls == [1, 1]


def test_sessions_kept_for_a_reconnect_count_until_they_expire_and_are_then_let_go(monkeypatch):
    """Streamlit keeps a disconnected session (its whole state) for server.disconnectedSessionTTL and drops an expired
    one only when its storage is next used; the sweeper's count must see the kept ones and reap the expired ones."""
    from types import SimpleNamespace

    from streamlit.runtime import Runtime
    from streamlit.runtime.memory_session_storage import MemorySessionStorage

    now = [0.0]
    storage = MemorySessionStorage(ttl_seconds=120)
    storage._cache._timer = lambda: now[0]  # the pinned version's TTLCache: a clock we can move
    active = [1]
    manager = SimpleNamespace(num_sessions=lambda: active[0], _session_storage=storage)
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: SimpleNamespace(_session_mgr=manager)))

    state = object()
    storage.save(SimpleNamespace(session=SimpleNamespace(id="gone"), state=state))
    active[0] = 0
    assert memory._session_count() == 1  # kept for a reconnect: not idle yet
    now[0] = 121
    assert memory._session_count() == 0
    assert "gone" not in storage._cache._data  # reaped, so its state can be freed


def test_a_runtime_it_cannot_read_counts_as_busy(monkeypatch):
    from streamlit.runtime import Runtime

    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: None))
    assert memory._session_count() == 1
