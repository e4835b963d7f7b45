"""Fair comparison: a school's share of «2» / below the minimum beside schools like it, not only beside the
territory's average.

Schools are alike when they share what the registry holds (ARCHITECTURE: schools table):
- size: the number of participants of the procedure, in bands (`SIZE_BANDS`) — the registry keeps no pupil
  numbers, so the size is that of the results;
- urban/rural (`is_rural`), the ШНСУ flag (`is_shnsu`), the type (`school_type`: СОШ, ООШ, гимназия, …).
A feature the registry does not hold for the school is not used, and the output says so: `is_rural` or
`school_type` empty; ШНСУ when no school of the region is marked (the flag defaults to «no», so an unmarked
registry cannot tell ШНСУ apart).
Peers come from the whole region (the data passed), the school itself excluded. When fewer than `MIN_PEERS`
peers share all features, features are dropped in the order type, ШНСУ, urban/rural, size (the output names
those used). The peers' share pools their pupils (all low / all participants).
Pure: no database.
"""
from __future__ import annotations

import pandas as pd

from shnor.domain.fmt import fmt_int, fmt_num, fmt_share, plural

SIZE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (1, 9, "до 10 участников"), (10, 24, "10–24 участника"), (25, 49, "25–49 участников"),
    (50, 99, "50–99 участников"), (100, None, "100 участников и более"))
MIN_PEERS = 5
FEATURES = ("size", "rural", "shnsu", "type")        # all used first
DROP_ORDER = ("type", "shnsu", "rural", "size")       # dropped one by one while peers are too few
LEVEL_PP = 5.0                                        # within ±5 p.p. of the peers: «на уровне»

COLUMNS = ["school_id", "territory_id", "procedure", "year", "participants", "low_count", "share", "basis_ru",
           "not_used_ru", "features", "peers", "peer_low", "peer_participants", "peer_share", "territory_share",
           "region_share", "diff_pp", "position_ru"]


def size_band(participants: int) -> str:
    for lo, hi, label in SIZE_BANDS:
        if participants >= lo and (hi is None or participants <= hi):
            return label
    return "нет участников"


def _feature_values(schools: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The features of each school as text keys ('' where unknown) and the features unknown region-wide."""
    s = schools.set_index("id")
    out = pd.DataFrame(index=s.index)
    missing = {}
    rural = s["is_rural"] if "is_rural" in s else pd.Series(None, index=s.index, dtype=object)
    out["rural"] = ["" if v is None or pd.isna(v) else ("сельская" if bool(v) else "городская") for v in rural]
    if (out["rural"] == "").all():
        missing["rural"] = "городская или сельская — нет в реестре"
    shnsu = s["is_shnsu"] if "is_shnsu" in s else pd.Series(None, index=s.index, dtype=object)
    if not any(bool(v) for v in shnsu if v is not None and not pd.isna(v)):
        out["shnsu"] = ""
        missing["shnsu"] = "ШНСУ не отмечена ни у одной школы реестра"
    else:
        out["shnsu"] = ["" if v is None or pd.isna(v) else ("ШНСУ" if bool(v) else "не ШНСУ") for v in shnsu]
    typ = s["school_type"] if "school_type" in s else pd.Series(None, index=s.index, dtype=object)
    out["type"] = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip() for v in typ]
    if (out["type"] == "").all():
        missing["type"] = "тип школы — нет в реестре"
    return out, missing


_FEATURE_RU = {"size": "размер", "rural": "местность", "shnsu": "ШНСУ", "type": "тип"}
_OWN_MISSING_RU = {"rural": "местность школы не указана в реестре", "shnsu": "признак ШНСУ школы не указан в реестре",
                   "type": "тип школы не указан в реестре"}


def similar_table(results: pd.DataFrame, schools: pd.DataFrame, region: pd.DataFrame | None = None,
                  region_schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per school, procedure and year of `results` (columns school_id, procedure, year, participants,
    low_count): its share beside its peers', its territory's and the region's.

    `schools` (columns id, territory_id, is_rural, is_shnsu, school_type) describe the schools of `results`;
    `region` / `region_schools` the whole region the peers and the region's share come from (default the
    same). Columns: COLUMNS; `basis_ru` names the features the peers share («25–49 участников, сельская,
    СОШ»), `not_used_ru` those not used and why, `position_ru` «выше, чем у похожих, на 12,3 п. п.»."""
    region = results if region is None else region
    region_schools = schools if region_schools is None else region_schools
    r = region[region["participants"].fillna(0) > 0]
    if r.empty or results.empty:
        return pd.DataFrame(columns=COLUMNS)
    feats, missing = _feature_values(region_schools)
    x = r[["school_id", "procedure", "year", "participants", "low_count"]].astype(
        {"participants": int, "low_count": int}).merge(feats, left_on="school_id", right_index=True, how="left")
    x["size"] = [size_band(int(n)) for n in x["participants"]]
    for f in ("rural", "shnsu", "type"):
        x[f] = x[f].fillna("")
    terr_of = region_schools.set_index("id")["territory_id"]
    x["territory_id"] = [terr_of.get(s) for s in x["school_id"]]
    keys = ["procedure", "year"]
    tg = x.groupby(["territory_id"] + keys)[["low_count", "participants"]].sum()
    terr = {k: (int(a), int(b)) for k, a, b in zip(tg.index, tg["low_count"], tg["participants"])}
    rg_ = x.groupby(keys)[["low_count", "participants"]].sum()
    reg = {k: (int(a), int(b)) for k, a, b in zip(rg_.index, rg_["low_count"], rg_["participants"])}

    cache: dict[tuple[str, ...], dict[tuple, tuple[int, int, int]]] = {}

    def grouped(used: tuple[str, ...]) -> dict[tuple, tuple[int, int, int]]:
        """(procedure, year, *features) -> (low, participants, schools) over the region."""
        if used not in cache:
            g = x.groupby(keys + list(used)).agg(low=("low_count", "sum"), n=("participants", "sum"),
                                                 schools=("school_id", "size"))
            cache[used] = {(k if isinstance(k, tuple) else (k,)): (int(a), int(b), int(c))
                           for k, a, b, c in zip(g.index, g["low"], g["n"], g["schools"])}
        return cache[used]

    wanted = set(zip(results["school_id"].astype(int), results["procedure"], results["year"].astype(int)))
    rows = []
    for row in x.itertuples(index=False):
        if (int(row.school_id), row.procedure, int(row.year)) not in wanted:
            continue
        # a feature unknown for this school is not used for it; then features are dropped in DROP_ORDER
        # (level i drops the first i) until at least MIN_PEERS peers share the rest
        own_missing = [f for f in FEATURES if f not in missing and f != "size" and getattr(row, f) == ""]
        for i in range(len(DROP_ORDER) + 1):
            used = tuple(f for f in FEATURES if f not in DROP_ORDER[:i] and f not in missing and f not in own_missing)
            group = grouped(used)[(row.procedure, row.year, *[getattr(row, f) for f in used])]
            cnt = group[2] - 1
            if cnt >= MIN_PEERS:
                break
        peer_low = group[0] - int(row.low_count)
        peer_n = group[1] - int(row.participants)
        t_low, t_n = terr[(row.territory_id, row.procedure, row.year)]
        r_low, r_n = reg[(row.procedure, row.year)]
        share = int(row.low_count) / int(row.participants)
        peer_share = peer_low / peer_n if peer_n else None
        rows.append({
            "school_id": int(row.school_id), "territory_id": row.territory_id, "procedure": row.procedure,
            "year": int(row.year), "participants": int(row.participants), "low_count": int(row.low_count),
            "share": share, "basis_ru": _basis(row, used), "not_used_ru": _not_used(used, missing, own_missing),
            "features": {f: getattr(row, f) for f in used},
            "peers": cnt, "peer_low": peer_low, "peer_participants": peer_n, "peer_share": peer_share,
            "territory_share": t_low / t_n, "region_share": r_low / r_n,
            "diff_pp": None if peer_share is None else (share - peer_share) * 100,
            "position_ru": _position(share, peer_share, cnt)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _basis(row, used: tuple[str, ...]) -> str:
    if not used:
        return "все школы региона с этой работой"
    return ", ".join(getattr(row, f) for f in FEATURES if f in used)


def _not_used(used: tuple[str, ...], missing: dict[str, str], own_missing: list[str]) -> str:
    parts = [missing[f] for f in FEATURES if f in missing]
    parts += [_OWN_MISSING_RU[f] for f in own_missing]
    dropped = [f for f in FEATURES if f not in used and f not in missing and f not in own_missing]
    if dropped:
        parts.append("не учтено, чтобы набралось не менее "
                     f"{MIN_PEERS} похожих школ: {', '.join(_FEATURE_RU[f] for f in dropped)}")
    return "; ".join(parts)


def _position(share: float, peer_share: float | None, peers: int) -> str:
    if peer_share is None or peers == 0:
        return "похожих школ нет"
    diff = (share - peer_share) * 100
    if abs(diff) <= LEVEL_PP:
        return f"на уровне похожих школ ({'+' if diff > 0 else ''}{fmt_num(diff, 1)} п. п.)"
    word = "выше" if diff > 0 else "ниже"
    return f"доля {word}, чем у похожих школ, на {fmt_num(abs(diff), 1)} п. п."


def peers_sentence(row: pd.Series | dict) -> str:
    """«Доля «2» — 40,0 % (10 из 25); у 12 похожих школ (25–49 участников, сельская) — 18,5 %; по территории —
    20,1 %, по региону — 15,2 %.»"""
    get = row.get
    peers = int(get("peers"))
    head = f"Доля «2» — {fmt_share(int(get('low_count')), int(get('participants')))} ({fmt_int(get('low_count'))} " \
           f"из {fmt_int(get('participants'))})"
    if get("peer_share") is None or pd.isna(get("peer_share")):
        mid = "похожих школ нет"
    else:
        mid = (f"у {fmt_int(peers)} {plural(peers, 'похожей школы', 'похожих школ', 'похожих школ')} "
               f"({get('basis_ru')}) — {fmt_share(int(get('peer_low')), int(get('peer_participants')))}")
    return f"{head}; {mid}; по территории — {fmt_num(get('territory_share') * 100, 1)} %, по региону — " \
           f"{fmt_num(get('region_share') * 100, 1)} %."


def peers_of(row: pd.Series | dict, region: pd.DataFrame, region_schools: pd.DataFrame) -> pd.DataFrame:
    """The peer schools of one row of `similar_table` (same procedure and year, the same values of the features
    it used), the school itself excluded: school_id, participants, low_count, share — from the same `region`
    and `region_schools` the table was made from."""
    feats, _ = _feature_values(region_schools)
    r = region[(region["procedure"] == row["procedure"]) & (region["year"] == row["year"])
               & (region["participants"].fillna(0) > 0) & (region["school_id"] != row["school_id"])]
    x = r[["school_id", "participants", "low_count"]].astype({"participants": int, "low_count": int}).merge(
        feats, left_on="school_id", right_index=True, how="left")
    x["size"] = [size_band(int(n)) for n in x["participants"]]
    for f, v in dict(row["features"]).items():
        x = x[x[f].fillna("") == v]
    x = x.assign(share=x["low_count"] / x["participants"])
    return x[["school_id", "participants", "low_count", "share"]].sort_values(["share", "school_id"]).reset_index(drop=True)
