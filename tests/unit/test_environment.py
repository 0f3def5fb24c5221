"""environment.yml (conda, Binder) pins what requirements.lock pins, with torch from PyTorch's CPU index."""

import re

from lib.paths import REPO_ROOT


def pins(text: str) -> dict[str, str]:
    """name → version of every `name==version` line."""
    return {m[0].lower(): m[1] for m in re.findall(r"^[\s-]*([A-Za-z0-9_.\-]+)==(\S+)\s*$", text, re.M)}


def test_environment_pins_the_lock_and_a_cpu_torch():
    lock = pins((REPO_ROOT / "requirements.lock").read_text())
    text = (REPO_ROOT / "environment.yml").read_text()
    env = pins(text)
    assert env.pop("torch") == lock.pop("torch") + "+cpu"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert {name: version for name, version in env.items() if name in lock} == lock, "environment.yml drifted"
