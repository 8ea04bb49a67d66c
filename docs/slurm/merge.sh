#!/usr/bin/env bash
# Merge the parts written by docs/slurm/grade-array.sh (OUT/shard-*) into OUT:
# scores.csv, summary.md, summary.json and one folder per student, the same
# files one unsharded run writes.
#
#   sbatch --dependency=afterok:$jobid docs/slurm/merge.sh /scratch/out
#SBATCH --job-name=gradwork-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=00:30:00
#SBATCH --output=gradwork-merge-%j.log
set -euo pipefail

OUT=${1:?usage: sbatch merge.sh OUT}

cd "${GRADWORK_COURSE:-$SLURM_SUBMIT_DIR}"
./target/release/gradwork merge "$OUT"/shard-* --out "$OUT"
