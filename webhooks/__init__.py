"""The FastAPI app: GitHub webhook receiver, health, metrics and the submission status API."""
