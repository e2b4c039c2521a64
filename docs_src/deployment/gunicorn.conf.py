# gunicorn as the process manager, uvicorn-worker's worker class serving nimbleapi:
#   gunicorn -c gunicorn.conf.py app.main:app
import multiprocessing

bind = "0.0.0.0:8000"
worker_class = "uvicorn_worker.UvicornWorker"  # pip install uvicorn-worker
workers = multiprocessing.cpu_count()
# A worker that does not answer gunicorn's heartbeat for this long is replaced.
timeout = 30
# On SIGTERM, workers get this long to finish requests in flight.
graceful_timeout = 20
# Client address and scheme from X-Forwarded-* headers sent by these proxies.
forwarded_allow_ips = "10.0.0.0/8"
