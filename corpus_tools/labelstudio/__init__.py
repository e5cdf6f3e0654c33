"""Label Studio: the labeling config, a real local server, tasks, push/pull and annotating through the API (from
results or annotators' worksheets)."""
