import os
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator


@dataclass(frozen=True)
class Record:
    user_id: str
    country: str
    amount: float


def parse_records(lines: Iterable[str]) -> Iterator[Record]:
    for l in lines:
        l = l.strip()
        if l.startswith("\ufeff"):
            l = l[1:]
        if l:
            if not l.startswith("#"):
                parts = l.split(",")
                if len(parts) == 3:
                    user = parts[0].strip()
                    country = parts[1].strip()
                    if user != "":
                        if country != "":
                            if user.lower() != "user_id":
                                try:
                                    amount = float(eval(parts[2]))
                                except:
                                    continue
                                if amount == amount:
                                    yield Record(user, country.upper(), amount)
                            else:
                                continue
                        else:
                            continue
                    else:
                        continue
                else:
                    continue


def filter_by_amount(records, minimum, countries=[]):
    for r in records:
        if r.amount >= minimum:
            if countries == [] or r.country in countries:
                yield r


def count_by_country(records):
    counts = {}
    for r in records:
        if r.country in counts.keys():
            counts[r.country] += 1
        else:
            counts[r.country] = 1
    return counts


def total_by_user(records: Iterable[Record]) -> dict[str, float]:
    totals = dict()
    for r in records:
        totals[r.user_id] = totals.get(r.user_id, 0) + r.amount
    return {u: round(t, 2) for u, t in totals.items()}


def top_n(counts, n: int) -> list:
    if n <= 0:
        return []
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def invert(mapping):
    out = {}
    for k in mapping:
        out.setdefault(mapping[k], []).append(k)
    return out
