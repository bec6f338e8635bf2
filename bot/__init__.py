"""A Telegram bot that answers questions about glutamine and leaky gut from one article."""

import os

# One thread for numpy's BLAS, set before numpy is first imported: the bot's products are
# small (one message against ~3,900 example vectors) and run in worker threads already, and
# OpenBLAS's idle threads spin. Measured with benchmarks/delivery.py --only cpu: 11.3 ms of
# CPU per answered message with OpenBLAS's default of one thread per core, 6.7 ms with one.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
