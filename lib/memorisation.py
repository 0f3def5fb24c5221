"""Moved to lib.studies.memorisation (training, deviations); kept so that tests/unit/test_gpu.py still imports."""

from lib.studies.memorisation.training import EvalSet, load_snapshot, member_scores, train_to_memorise  # noqa: F401
