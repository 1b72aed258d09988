import os

import matplotlib

# One PyTorch thread, as the project's thread policy says (README, "Threads"):
# as fast as two for these small networks on an idle machine, and many times
# faster when another process shares the cores. Set before torch is imported;
# an OMP_NUM_THREADS of the user's wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

matplotlib.use("Agg")
