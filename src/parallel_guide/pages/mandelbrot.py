"""The Mandelbrot set, computed row by row in a pool of processes.

A complete program that needs only the standard library: copy it into a file
and run it with ``python mandelbrot.py`` to print the set as text.  Each row
of the image is one task.  Rows cost very different amounts of work (a point
inside the set takes every iteration, one far outside escapes at once), which
makes this a good test of how a pool shares out uneven work.
"""

import os
import time
from multiprocessing import Pool

VIEW = (-2.2, 0.8, -0.75, 1.35)
"""The part of the complex plane that is drawn (left, right, bottom, top)."""


def escape_counts(row, width, height, max_iterations, view=VIEW):
    """Iterations before each point of one row escapes (``max_iterations``: never).

    Row 0 is the top of the image.

    >>> escape_counts(0, 3, 1, 50, view=(-1.0, 1.0, 0.0, 0.0))
    [50, 50, 4]
    """
    left, right, bottom, top = view
    y = top - (top - bottom) * (row + 0.5) / height
    counts = []
    for column in range(width):
        x = left + (right - left) * (column + 0.5) / width
        c = complex(x, y)
        z = 0j
        count = 0
        while count < max_iterations and abs(z) <= 2.0:
            z = z * z + c
            count += 1
        counts.append(count)
    return counts


def timed_row(task):
    """Compute one row; return it with who computed it and when.

    ``task`` is ``(row, width, height, max_iterations)``.  Returns
    ``(row, counts, process id, started, finished)``, the times from
    :func:`time.time`, which all processes on a machine share.
    """
    row, width, height, max_iterations = task
    started = time.time()
    counts = escape_counts(row, width, height, max_iterations)
    return row, counts, os.getpid(), started, time.time()


def render(width, height, max_iterations, processes=None, chunksize=1):
    """Compute the image in a pool; return its rows, top first.

    ``imap_unordered`` hands out ``chunksize`` rows at a time to whichever
    worker is free and yields them as they finish; the rows are put back in
    order at the end.
    """
    tasks = [(row, width, height, max_iterations) for row in range(height)]
    image = [None] * height
    with Pool(processes=processes) as pool:
        for row, counts, _, _, _ in pool.imap_unordered(timed_row, tasks, chunksize):
            image[row] = counts
    return image


def as_text(image, max_iterations, shades=" .:-=+*#%@"):
    """Draw an image of escape counts with characters, darker for slower escape.

    >>> print(as_text([[1, 50], [50, 1]], 50))
     @
    @
    """
    lines = []
    for counts in image:
        line = "".join(
            shades[min(len(shades) - 1, count * len(shades) // max_iterations)]
            if count < max_iterations
            else shades[-1]
            for count in counts
        )
        lines.append(line)
    return "\n".join(lines)


def main(width=72, height=26, max_iterations=60):
    """Print the set as text, computed by as many processes as there are CPUs."""
    image = render(width, height, max_iterations)
    print(as_text(image, max_iterations))
    inside = sum(count == max_iterations for counts in image for count in counts)
    print(f"{inside} of {width * height} points are in the set")


if __name__ == "__main__":
    main()
