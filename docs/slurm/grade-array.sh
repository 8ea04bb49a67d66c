#!/usr/bin/env bash
# Grade a batch of submissions as a Slurm job array: task I of N grades every
# N-th submission (`gradwork grade --shard I/N`) into OUT/shard-I. Then merge
# the parts with docs/slurm/merge.sh, which waits for the whole array.
#
#   cargo build --release --bin gradwork            # once, on a login node
#   jobid=$(sbatch --parsable --array=1-8 docs/slurm/grade-array.sh a01-tensors /scratch/subs /scratch/out)
#   sbatch --dependency=afterok:$jobid docs/slurm/merge.sh /scratch/out
#
# Task ids must run from 1 to N (`--array=1-N`). Submit from the course
# repository (the folder with Cargo.toml and graders/), or set GRADWORK_COURSE.
#
# The build cache (target/gradwork) is shared by all tasks and guarded by a
# file lock: on a file system without working locks (some NFS set-ups), point
# GRADWORK_TARGET_DIR at node-local disk; each task then fills its own cache
# once (a few minutes) before grading.
#
# Run as an ordinary user, gradwork still gives each runner its own network
# and mount namespaces when the cluster allows unprivileged user namespaces,
# but not a user of its own (so no process-count limit); every report header
# says what was in force.
#SBATCH --job-name=gradwork-grade
#SBATCH --cpus-per-task=4
#SBATCH --mem=32G
#SBATCH --time=04:00:00
#SBATCH --output=gradwork-grade-%A_%a.log
set -euo pipefail

ASSIGNMENT=${1:?usage: sbatch --array=1-N grade-array.sh ASSIGNMENT SUBMISSIONS OUT}
SUBMISSIONS=${2:?usage: sbatch --array=1-N grade-array.sh ASSIGNMENT SUBMISSIONS OUT}
OUT=${3:?usage: sbatch --array=1-N grade-array.sh ASSIGNMENT SUBMISSIONS OUT}
SHARD=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch --array=1-N}
SHARDS=${SLURM_ARRAY_TASK_COUNT:?submit this script with sbatch --array=1-N}

cd "${GRADWORK_COURSE:-$SLURM_SUBMIT_DIR}"
./target/release/gradwork grade "$ASSIGNMENT" --submissions "$SUBMISSIONS" --out "$OUT/shard-$SHARD" --shard "$SHARD/$SHARDS" --jobs "${SLURM_CPUS_PER_TASK:-1}"
