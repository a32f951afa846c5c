#!/usr/bin/env bash
# Runs every cargo-fuzz target (or the ones named) for a fixed number of inputs each.
#
#   fuzz/run.sh [-n RUNS] [TARGET...]       (RUNS also from FUZZ_RUNS; default 200000)
#
# Needs the nightly toolchain; installs cargo-fuzz if it is missing. Each target starts from its
# corpus (fuzz/corpus/<target>, git-ignored, grows run by run) and its committed seeds
# (fuzz/seeds/<target>; xml/ for zonecfg_parse). A crash, panic, timeout (10 s per input) or
# out-of-memory stops that target and leaves the input in fuzz/artifacts/<target>/; the script
# goes on with the other targets, then lists what crashed and exits 1. Keep every crash as a
# regression: copy the file to tests/fuzz_regressions/<target>/ and fix the parser; `cargo test
# --test hostile_input` replays them all.
set -euo pipefail

cd "$(dirname "$0")"
runs="${FUZZ_RUNS:-200000}"
if [[ "${1:-}" == "-n" ]]; then
    runs="$2"
    shift 2
fi
if ! [[ "$runs" =~ ^[0-9]+$ ]]; then
    echo "run.sh: RUNS must be a number, got '$runs'" >&2
    exit 2
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "run.sh: the nightly toolchain is needed: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

crashed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    dirs=("corpus/$t")
    [[ -d "seeds/$t" ]] && dirs+=("seeds/$t")
    [[ "$t" == zonecfg_parse ]] && dirs+=("../xml")
    echo "== $t: $runs inputs" >&2
    start=$(date +%s)
    if cargo +nightly fuzz run "$t" "${dirs[@]}" -- \
        -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1; then
        echo "== $t: clean ($(( $(date +%s) - start )) s)" >&2
    else
        echo "== $t: CRASHED ($(( $(date +%s) - start )) s)" >&2
        crashed+=("$t")
    fi
done

if [[ ${#crashed[@]} -gt 0 ]]; then
    echo "run.sh: crashes in: ${crashed[*]}" >&2
    for t in "${crashed[@]}"; do
        ls -1 "artifacts/$t" 2>/dev/null | sed "s|^|  fuzz/artifacts/$t/|" >&2
    done
    echo "run.sh: keep each as tests/fuzz_regressions/<target>/<file> and fix the parser" >&2
    exit 1
fi
echo "run.sh: ${#targets[@]} targets, $runs inputs each, no crash" >&2
