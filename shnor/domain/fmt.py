"""Russian number formats, shared by reasons, reports and the dashboard: 12,5 %; 1 234."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"


def fmt_int(n: int | float | None) -> str:
    """1234 -> '1 234' (narrow no-break space as thousands separator)."""
    if n is None:
        return "—"
    return f"{int(n):,}".replace(",", NBSP)


def fmt_pct(fraction: float | None, digits: int = 1) -> str:
    """0.125 -> '12,5 %' (rounded half up)."""
    if fraction is None:
        return "—"
    q = Decimal(1).scaleb(-digits) if digits else Decimal(1)
    v = (Decimal(str(fraction)) * 100).quantize(q, rounding=ROUND_HALF_UP)
    return f"{v:,}".replace(",", NBSP).replace(".", ",") + NBSP + "%"


def fmt_share(low: int, participants: int, digits: int = 1) -> str:
    """Share from integers without float error: 1 of 3 -> '33,3 %'."""
    if not participants:
        return "—"
    q = Decimal(1).scaleb(-digits) if digits else Decimal(1)
    v = (Decimal(low) * 100 / Decimal(participants)).quantize(q, rounding=ROUND_HALF_UP)
    return f"{v}".replace(".", ",") + NBSP + "%"


def fmt_num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    q = Decimal(1).scaleb(-digits) if digits else Decimal(1)
    v = Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)
    return f"{v:,}".replace(",", NBSP).replace(".", ",")


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: 1 школа, 2 школы, 5 школ."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
