#!/usr/bin/env bash
# The probe's device run (bench/README.md "GPU probe"): run from a folder holding talgpu, its shared
# libraries and these scripts (DIR, default .devrun). Writes every output under $OUT.
#   - talgpu probe (text, JSON) and --quick, each timed with date +%s.%N, several times
#   - nvidia-smi -q, compared with the probe's JSON (bench/probe_compare_smi.py)
#   - PyTorch's D2D copy_ and pinned H2D/D2H at the same sizes (bench/probe_torch.py), run right
#     before and after the probe so the three share the card's state
#   - ptxas on the embedded PTX (the driver JITs it anyway; this names a syntax error plainly)
#   - SWEEP=1: the copy kernel's launch shapes (threads per block x blocks per SM)
set -uo pipefail
DIR=${DIR:-.devrun}
OUT=${OUT:-/tmp/probe-out}
mkdir -p "$OUT"
# Only talgpu gets the copied libraries; PyTorch keeps the machine's own.
tg() { LD_LIBRARY_PATH="$DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$DIR/talgpu" "$@"; }
T=tg
PY=${PY:-/opt/torch/.venv/bin/python}
now() { date +%s.%N; }
timed() {  # timed NAME CMD...: stdout to $OUT/NAME.out, seconds appended to $OUT/times.txt
  local name=$1; shift
  local t0 t1 rc
  t0=$(now); "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; rc=$?; t1=$(now)
  echo "$name rc=$rc seconds=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")" | tee -a "$OUT/times.txt"
}
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
nvidia-smi -q >"$OUT/nvidia-smi-q.txt" 2>&1
sed -n '/R"PTX(/,/)PTX"/p' "$DIR/kernels.cpp" | sed '1s/.*R"PTX(//; $d' >"$OUT/probe.ptx"
if [ -x /usr/local/cuda/bin/ptxas ]; then
  for sm in sm_75 sm_90; do
    /usr/local/cuda/bin/ptxas -arch=$sm -v "$OUT/probe.ptx" -o "$OUT/probe.$sm.cubin" >"$OUT/ptxas.$sm.txt" 2>&1
    echo "ptxas $sm rc=$?" | tee -a "$OUT/times.txt"
  done
fi
$PY "$DIR/probe_torch.py" >"$OUT/torch-before.json" 2>"$OUT/torch-before.err"
for i in 1 2 3; do timed "probe-$i" $T probe; done
timed probe-json $T -o json probe
for i in 1 2 3 4 5; do timed "quick-$i" $T probe --quick; done
timed quick-json $T -o json probe --quick
$PY "$DIR/probe_torch.py" >"$OUT/torch-after.json" 2>"$OUT/torch-after.err"
$PY "$DIR/probe_compare_smi.py" "$OUT/probe-json.out" "$OUT/nvidia-smi-q.txt" >"$OUT/compare.txt" 2>&1
echo "compare rc=$?" | tee -a "$OUT/times.txt"
# Failure paths on the real machine: a library that is not there, a --gpu that names nothing.
TALGPU_CUDA_LIBRARY=/nonexistent/libcuda.so.1 $T probe >"$OUT/no-cuda.out" 2>&1; echo "no-cuda rc=$?" >>"$OUT/times.txt"
$T probe --gpu 7 >"$OUT/bad-gpu.out" 2>&1; echo "bad-gpu rc=$?" >>"$OUT/times.txt"
if [ "${SWEEP:-0}" = 1 ]; then
  for th in 128 256 512 1024; do
    for b in 1 2 4 8 16 32; do
      [ $((th * b)) -gt 2048 ] && continue
      TALGPU_PROBE_COPY_THREADS=$th TALGPU_PROBE_COPY_BLOCKS_PER_SM=$b $T -o json probe >"$OUT/sweep.json" 2>/dev/null
      $PY -c "import json,sys; g=json.load(open(sys.argv[1]))['gpus'][0]['measurements']; print('threads $th blocks/SM $b d2d', g['d2d']['gbps'])" "$OUT/sweep.json" | tee -a "$OUT/sweep.txt"
    done
  done
  rm -f "$OUT/sweep.json"
fi
cat "$OUT/times.txt"
