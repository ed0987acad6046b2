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
