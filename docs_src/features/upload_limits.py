from nimbleapi import APIRouter, FastAPI, UploadFile

app = FastAPI(form_limits={"max_file_size": 5 * 1024 * 1024})  # 5 MiB for every upload route
videos = APIRouter(prefix="/videos")


@app.post("/documents")
async def upload_document(document: UploadFile) -> dict[str, object]:
    return {"name": document.filename, "size": document.size}


# A route can set its own limit; it governs that route alone.
@videos.post("/", form_limits={"max_file_size": 200 * 1024 * 1024})
async def upload_video(video: UploadFile) -> dict[str, object]:
    return {"name": video.filename, "size": video.size}


app.include_router(videos)
