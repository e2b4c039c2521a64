"""ORM tables. Importing this package registers all of them on ``Base.metadata``."""

from app.models.outbox import OutboxEvent
from app.models.post import Post
from app.models.token import RevokedToken
from app.models.user import User

__all__ = ["OutboxEvent", "Post", "RevokedToken", "User"]
