"""A valid module next to a non-UTF-8 one."""


def greet(name: str) -> str:
    return f"hello {name}"
