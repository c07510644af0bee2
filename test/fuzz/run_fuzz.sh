#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run_fuzz.sh FUZZER SEED_CORPUS WORKDIR: fuzz for a bounded time. New
# inputs go to WORKDIR, never into the seed corpus in the source tree.
set -eu
fuzzer=$1 seeds=$2 work=$3
mkdir -p "$work/corpus" "$work/artifacts"
exec "$fuzzer" -max_total_time="${UTRACE_FUZZ_SECONDS:-10}" -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
