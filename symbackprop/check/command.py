"""``symbackprop check SPEC FILE... [--json] [--jobs N | --dask ADDRESS] [-o DIR]``.

One file: its report on stdout (text, or JSON with --json). Several files, a folder,
--jobs or -o: batch mode, one report per file under DIR and a summary table.
Exit code 0 when nothing is wrong, 1 when a claim is wrong or in error, 2 when the input
cannot be used at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import InputError, check_file, truth_of
from ..render.write import check_folder
from ..terminal import printable
from .report import exit_code, json_report, text_report


def run(args) -> int:
    truth = truth_of(args.spec)  # a bad spec is a SpecError: exit code 2
    paths = args.files
    is_batch = (args.jobs is not None or args.output is not None or len(paths) > 1
                or getattr(args, "dask", None)
                or any(Path(p).is_dir() for p in paths))
    if not is_batch:
        try:
            results = check_file(truth, paths[0], notation=getattr(args, "notation", None))
        except InputError as e:
            print(f"symbackprop: error: {printable(e)}", file=sys.stderr)
            return 2
        print(json_report(results) if args.json else text_report(results), end="")
        return exit_code(results)
    from . import batch  # batch mode only: its process pool is not loaded for one file

    jobs = max(1, args.jobs or 1)
    check_folder(args.output or "check-reports")  # a bad -o is said before the checking
    rows, code = batch.run(args.spec, paths, jobs=jobs, out=args.output or "check-reports",
                           dask=getattr(args, "dask", None),
                           notation=getattr(args, "notation", None))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(printable(batch.table(rows)), end="")
        print(printable(f"reports and summary.csv / summary.json in "
                        f"{args.output or 'check-reports'}/"))
    return code
