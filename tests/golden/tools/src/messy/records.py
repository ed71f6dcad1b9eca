import os
import subprocess
import sys


def add_record(record, records=[]):
    records.append(record)
    return records


def load(path):
    try:
        with open(path) as handle:
            return handle.read()
    except:
        return None


def count(items: list[str]) -> int:
    total: int = 0
    total = "many"
    return len(items)


def evaluate(input_string):
    return eval(input_string)


def run(cmd):
    return subprocess.call(cmd, shell=True)


def grade(score, late, bonus, attempts, flagged, extra):
    if flagged:
        return "F"
    if late and attempts > 3:
        score -= 10
    elif late:
        score -= 5
    for _ in range(bonus):
        if score < 100:
            score += 1
    while extra > 0 and score < 100:
        score += 1
        extra -= 1
    if score >= 90:
        return "A"
    elif score >= 80:
        return "B"
    elif score >= 70:
        return "C"
    elif score >= 60 or (attempts == 1 and score >= 55):
        return "D"
    return "F"


MESSAGE = "This line is deliberately longer than one hundred characters, which is fine for the grader."
