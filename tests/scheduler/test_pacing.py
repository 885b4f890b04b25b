from scheduler.pacing import Pacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_evenly_spaced_without_bursts() -> None:
    clock = FakeClock()
    pacer = Pacer(0.1, clock)
    assert [round(pacer.reserve(), 3) for _ in range(5)] == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_an_idle_pacer_does_not_save_up_slots() -> None:
    clock = FakeClock()
    pacer = Pacer(0.5, clock)
    pacer.reserve()
    clock.now += 60
    assert [pacer.reserve(), pacer.reserve()] == [0.0, 0.5]
