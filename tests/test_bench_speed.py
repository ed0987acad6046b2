"""bench/speed.py: the machine's speed, reported beside the bench's figures."""
from bench import speed


def test_report_gives_the_ratio_to_the_reference(monkeypatch):
    monkeypatch.setattr(speed, "machine_ms", lambda: 2 * speed.REFERENCE_MS)
    assert f"took {2 * speed.REFERENCE_MS:.0f} ms, 2.00× its time" in speed.report()


def test_the_workload_is_timed():
    assert 0 < speed.machine_ms(repeats=1) < 10_000
