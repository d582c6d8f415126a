"""What ``eval`` composes beyond ``Library``'s own evaluation: the labels file, the other
apps' rules, our clustering on bare vectors, and the simulated user on a copy.

The core's functions (``core.evaluate``, ``core.people``), named here so the command line
imports nothing below ``core.library``. Imported by ``eval`` only (they load numpy and SciPy).
"""

from faceorganizer.core.evaluate import peers
from faceorganizer.core.evaluate.labelled import read_label_csv
from faceorganizer.core.evaluate.simulate import simulate_user
from faceorganizer.core.people.cluster import cluster_faces
from faceorganizer.core.people.grouping import GroupingOptions

__all__ = ["GroupingOptions", "cluster_faces", "peers", "read_label_csv", "simulate_user"]
