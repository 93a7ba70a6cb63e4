"""Column helpers shared by the domain models."""
from datetime import datetime, timezone

from sqlalchemy import JSON, Numeric

# Money: Decimal with two places (IDR and RUB have minor units in bank transfers too).
Money = Numeric(14, 2)
Json = JSON


def utcnow() -> datetime:
    """Naive UTC; the column convention is 'stored in UTC', shown in the business zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
