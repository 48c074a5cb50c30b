"""A Ctrl-C that lands inside a destructor is swallowed by Python ("Exception ignored"); the
flag still records it, so the runner stops at the next batch instead of finishing the scan."""

import os
import signal

import pytest

from vlmtrust.runner.interrupts import interrupt_flag


class _SignalsOnDelete:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def default_ctrl_c():
    """Python's own Ctrl-C handler, whatever the suite was started with (a shell without job
    control starts background jobs with SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_swallowed_in_a_destructor_is_raised_at_the_next_check(default_ctrl_c):
    with interrupt_flag() as interrupted:
        _SignalsOnDelete()  # deleted at once: SIGINT lands inside __del__ and is swallowed there
        assert interrupted.raised
        with pytest.raises(KeyboardInterrupt):
            interrupted.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_no_ctrl_c_means_check_passes_and_a_foreign_handler_is_left_alone(default_ctrl_c):
    with interrupt_flag() as interrupted:
        interrupted.check()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with interrupt_flag():
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
