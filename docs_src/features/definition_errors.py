from nimbleapi import FastAPI

app = FastAPI()


def declare_broken_route() -> None:
    # A path parameter must be a single value, not a list: FastAPI refuses this
    # signature, and nimbleapi also says which route and which function.
    @app.get("/items/{item_id}")
    def read_item(item_id: list[dict[str, int]]) -> dict[str, object]:
        return {"item_id": item_id}
