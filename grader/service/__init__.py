"""The service around the pipeline: course routing, fetching a commit, the store, the queue's jobs and tasks, publishing to GitHub, metrics and logs."""
