#!/usr/bin/env bash
# One prepared run on a lent GPU machine (one H100 or H200): attention agreement and training throughput of the 1.26B
# config, in about 6-8 minutes. What it checks is described at the top of benchmarks/gpu_check.py.
#
# With the `run` tool (the machine gets a copy of the working tree and has torch, but no internet and maybe none of our
# other dependencies; gpu_check.py imports only torch and trainer.*):
#     run  command="bash benchmarks/gpu.sh"  timeout_s=570
# Extra arguments go to gpu_check.py, e.g. `bash benchmarks/gpu.sh --set batch_size=8 --variants sdpa-flash`.
# Locally, without a GPU, check the logic first: `.venv/bin/python benchmarks/gpu_check.py --dry-run`.
#
# Everything printed also goes to $OUT/gpu.log ($OUT is the folder the run tool brings back; out/gpu without it).
# Copy the machine line, the attention table and the throughput table into benchmarks/RESULTS.md under
# "## GPU (benchmarks/gpu.sh)", with the date and the card (H100 and H200 numbers are not comparable).
#
# The python is $PYTHON if set, else python3 from PATH. gpu_check.py stops starting variants after --deadline-s
# (420 s); `timeout` below is the hard stop, so that the log comes back even if a compilation hangs.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT="${OUT:-out/gpu}"
mkdir -p "$OUT"
LOG="$OUT/gpu.log"
PYTHON="${PYTHON:-python3}"

{
    echo "== benchmarks/gpu.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    nvidia-smi || echo "nvidia-smi failed (exit $?)"
    "$PYTHON" -c 'import sys, torch; print("python", sys.version.split()[0], "| torch", torch.__version__, "| CUDA", torch.version.cuda, "| cuDNN", torch.backends.cudnn.version(), "| GPUs", torch.cuda.device_count())'
    timeout --signal=INT --kill-after=20 500 "$PYTHON" -u benchmarks/gpu_check.py "$@"
    echo "== gpu_check.py exit status: $?"
} 2>&1 | tee "$LOG"
