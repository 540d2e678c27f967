"""Programs: run what a reader copies, as a reader would, under a start method."""

from __future__ import annotations

from pathlib import Path

from parallel_guide.tools.run_python import run_python


def run_program(
    code: str, start_method: str, work: Path, timeout: float = 120
) -> str | None:
    """Run a copied program as a reader would; None if it exits 0, else why not.

    The program is written to a file and run by a fresh interpreter with no
    project on its path (isolated: the base interpreter of this virtualenv)
    with the start method set first.  On a timeout everything it started is
    killed, and any process it leaves behind is reported.
    """
    work.mkdir(parents=True, exist_ok=True)
    script = work / "program.py"
    script.write_text(code + "\n", encoding="utf-8")
    launch = f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')"
    run = run_python(
        launch, start_method=start_method, cwd=work, timeout=timeout, isolated=True
    )
    if run.timed_out:
        return f"did not finish within {timeout:g} s under {start_method}"
    if run.returncode != 0:
        tail = "\n    ".join(run.stderr.strip().splitlines()[-6:])
        return f"exited {run.returncode} under {start_method}:\n    {tail}"
    if run.left_behind:
        count = len(run.left_behind)
        return f"left {count} processes running under {start_method}: {run.left_behind}"
    return None
