import asyncio
import time

from nimbleapi import FastAPI

app = FastAPI()


def build_report() -> str:
    time.sleep(0.3)  # stands for a sync driver, requests.get(...), a long CPU loop
    return "report"


@app.get("/report")
async def report() -> str:
    return build_report()  # blocks the event loop: every other request waits


@app.get("/report/fixed")
async def report_fixed() -> str:
    return await asyncio.to_thread(build_report)  # runs in a worker thread instead
