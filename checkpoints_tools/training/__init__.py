"""Fine-tuning, one job per module: `data` (sources), `preprocessing` (each family's),
`optimization` (optimizer, schedule, clipping), `loop` (the training loop: strategy,
checkpoints, resume, progress, summaries, exports). `checkpoints_tools.finetuning`
composes them into the gin-configured `finetune` the binary runs.
"""
