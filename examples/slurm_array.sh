#!/bin/bash
# A sharded gaprisk run as a Slurm job array: each task computes one shard,
# then a dependent job merges the parts into summary.csv.
#
#   jobid=$(sbatch --parsable examples/slurm_array.sh)
#   sbatch --dependency=afterok:$jobid --wrap \
#     "gaprisk merge parts/part-*-of-16.json --out results/suwalki-baseline"
#
# Every task must use the same model file, --samples, --seed and --design;
# merge checks this and refuses parts that do not belong together.
#SBATCH --job-name=gaprisk-shard
#SBATCH --array=1-16
#SBATCH --cpus-per-task=8
#SBATCH --time=02:00:00
set -euo pipefail

shards=${SLURM_ARRAY_TASK_COUNT:-16}
shard=${SLURM_ARRAY_TASK_ID}

gaprisk run models/baseline.toml \
  --samples 1e10 --seed 20200925 \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --shard "${shard}/${shards}" \
  --out parts/
