"""lib.files: a file is written whole or not at all."""

import pytest

from lib.files import write_atomic, write_atomically


def test_a_write_replaces_the_file_whole(tmp_path):
    path = tmp_path / "sub" / "entry.pt"
    write_atomic(path, b"first")
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["entry.pt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "entry.pt"
    write_atomic(path, b"kept")

    def half_then_fail(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, half_then_fail)
    assert path.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["entry.pt"]
