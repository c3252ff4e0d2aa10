"""Start-up (issue 13): a command loads only what it needs, in a fresh process; the
claim grammar's tables are cached in the user's own cache folder."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def loaded(code: str, env=None) -> set:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})))
    return set(out.stdout.split())


def test_the_package_and_the_command_line_do_not_load_the_checker():
    mods = loaded("import symbackprop, symbackprop.cli")
    assert "symbackprop.check" not in mods and "symbackprop.verify" not in mods
    assert "lark" not in mods


def test_the_checker_loads_no_verifier_and_no_process_pool():
    mods = loaded("import symbackprop.check.command")
    assert "symbackprop.check" in mods
    assert "symbackprop.verify" not in mods and "symbackprop.check.batch" not in mods
    assert "concurrent.futures.process" not in mods


def test_a_lazy_name_is_still_there():
    mods = loaded("import symbackprop\nassert callable(symbackprop.check_equation)\n"
                  "assert callable(symbackprop.check_gradients)")
    assert "symbackprop.check" in mods


def test_grammar_tables_are_cached_in_the_users_cache_folder(tmp_path):
    loaded("from symbackprop.expr.claim_grammar import parse_claim\nparse_claim('h_1 + 2')",
           env={"XDG_CACHE_HOME": str(tmp_path)})
    cached = list((tmp_path / "symbackprop").glob("claims-latex-*.lark"))
    assert len(cached) == 1 and cached[0].stat().st_size > 1000
