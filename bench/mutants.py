"""``make mutants``: mutation testing (cosmic-ray) of the rules that carry money, places and access.

Each module in ``MODULES`` is mutated with a chosen set of operators (the
one-step changes: ``<`` to ``<=``, ``==`` to ``!=``, ``&`` to ``|``, ``-`` to
``+``, a number plus or minus one, ``and`` to ``or``, a ``not`` added or
dropped, ``True`` to ``False``, an exception type in an ``except``, a loop that
runs zero times), only in the functions that carry the rules, and every
mutant is run against that module's chosen tests (``pytest -x``, fast files
first). It prints, per module, the mutants killed out of those not listed as
equivalent, the survivors (line, operator, the mutated line), and the
equivalent ones found, with their reason from ``bench/mutants_equivalent.txt``.

It works on a copy of the project under ``build/mutants/`` (cosmic-ray
rewrites the module on disk), and keeps one session per module there: a run
stopped halfway resumes where it was; after tests changed, only the survivors
are tried again (``--fresh`` starts over); after the module changed, all of it.

A module may name test functions to run before the rest (``first``: the
quick killers, ordered by ``bench/mutants_order.py``). ``--functions`` time-boxes
a run to some functions of the scope: the others stay untried (reported as
such) and the next run without it tries them.

    python -m bench.mutants                     # every module (long: an hour or more on 2 busy cores)
    python -m bench.mutants wallets auth        # some of them
    python -m bench.mutants bookings --functions check_stock,stock_condition
    python -m bench.mutants --list              # the modules, their scope and their tests
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutants"
EQUIVALENT = ROOT / "bench" / "mutants_equivalent.txt"
SERVICES = "layers/core/python/passculture/services"


@dataclass(frozen=True)
class Module:
    path: str
    functions: frozenset[str]  # the functions mutated (cosmic-ray's definition names)
    tests: tuple[str, ...]  # run in this order with -x: the quick ones first
    first: tuple[str, ...] = ()  # test functions run before the rest (bench/mutants_order.py): the quick killers


MODULES = {
    "bookings": Module(
        f"{SERVICES}/booking/bookings.py",
        frozenset({"require_can_book", "check_stock", "stock_condition", "_book", "_commit", "cancel_my_booking"}),
        (
            "tests/unit/test_stock_boundaries.py",
            "tests/unit/test_booking_feed_follow.py",
            "tests/api/test_bookings.py",
            "tests/api/test_bookings_mine.py",
            "tests/api/test_bookings_round_trips.py",
            "tests/unit/test_wallet_boundaries.py",
            "tests/concurrency/test_booking_stock_races.py",
            "tests/concurrency/test_request_tokens.py",
            "tests/concurrency/test_booking_concurrency.py",
        ),
        first=(
            "test_a_young_user_books_and_gets_a_countermark",
            "test_a_stock_sold_out_after_it_was_read_is_refused_by_the_condition",
            "test_sold_out_is_409_on_stock_id",
            "test_one_place_left_for_a_duo_is_409_on_quantity",
            "test_unlimited_stocks_never_sell_out",
            "test_a_deleted_stock_is_404",
            "test_a_pro_is_not_eligible",
            "test_email_not_confirmed_is_403_on_email",
            "test_cancelling_frees_the_place_and_refunds_every_credit_exactly",
            "test_another_users_booking_is_404",
            "test_cancelling_twice_is_410_and_refunds_once",
            "test_a_used_booking_cannot_be_cancelled",
            "test_an_event_cannot_be_cancelled_after_the_deadline",
            "test_the_deadline_follows_a_date_moved_by_the_venue",
            "test_a_stock_deleted_meanwhile_is_not_booked",
            "test_a_quantity_lowered_to_what_is_booked_meanwhile_is_sold_out",
            "test_an_unlimited_stock_limited_to_what_is_booked_meanwhile_is_sold_out",
            "test_a_date_moved_meanwhile_is_booked_on_the_new_date_never_the_old_one",
            "test_a_booking_checks_the_feed_when_it_leaves_five_places_or_fewer",
            "test_a_cancellation_reads_one_batch_then_commits_beside_the_stock_and_venue",
            "test_an_offer_deactivated_meanwhile_is_not_booked",
        ),
    ),
    "wallets": Module(
        f"{SERVICES}/booking/wallets.py",
        frozenset({"is_current", "in_perimeter", "plan_debits", "debit_update", "refund_update"}),
        ("tests/unit/test_wallets.py", "tests/unit/test_wallet_boundaries.py", "tests/unit/test_cancellation.py"),
    ),
    "cancellation": Module(
        f"{SERVICES}/booking/cancellation.py",
        frozenset({"cancel_booking", "_cancellation", "too_late"}),
        (
            "tests/unit/test_cancellation.py",
            "tests/api/test_bookings_mine.py",
            "tests/api/test_bookings.py",
            "tests/api/test_territories.py",
            "tests/api/test_partners_ticketing.py",
        ),
        first=(
            "test_a_cancellation_of_the_last_place_brings_its_offer_back_to_the_feed",
            "test_a_booking_in_the_perimeter_pays_local_first_and_the_totals_follow_bookings_and_cancellations",
            "test_cancelling_a_ticketed_booking_cancels_its_tickets_at_the_partner",
        ),
    ),
    "countermarks-v2": Module(
        f"{SERVICES}/countermarks/v2.py",
        frozenset(
            {
                "_resolve",
                "_member_of_booking",
                "_require_usable",
                "_require_kept",
                "_require_cancellable",
                "_conditional_status",
                "use",
                "keep",
                "cancel",
            }
        ),
        # The allowances' own file: the structure limit of a key made before keys named it, the password lock.
        ("tests/api/test_countermarks_v2.py", "tests/api/test_countermarks_ratelimit.py"),
        first=(
            "test_check_and_use_refuse_used_cancelled_and_reimbursed_bookings",
            "test_keep_refuses_what_is_not_used",
            "test_cancel_refuses_cancelled_then_used_bookings",
            "test_use_validates_once_and_records_who_and_when",
            "test_keep_undoes_a_validation",
            "test_cancel_frees_the_place_and_refunds_the_booker",
            "test_an_event_more_than_72_hours_away_is_403_after_the_410s",
            "test_a_booking_that_keeps_changing_is_a_409_after_three_tries",
            "test_members_of_another_structure_and_pending_members_get_404",
            "test_unknown_malformed_and_foreign_tokens_get_one_identical_404",
            "test_a_code_another_cashier_validated_meanwhile_is_a_410_and_stays_theirs",
            "test_a_validation_another_cashier_undid_meanwhile_is_a_410_not_used_yet",
            "test_a_booking_its_booker_cancelled_meanwhile_is_a_410_refunded_once",
            "test_a_booking_validated_meanwhile_cannot_be_cancelled_and_keeps_its_payment",
            "test_an_event_exactly_72_hours_away_can_be_validated_a_microsecond_more_cannot",
        ),
    ),
    "auth": Module(
        f"{SERVICES}/accounts/auth.py",
        frozenset(
            {
                "verify_password",
                "issue_access_token",
                "decode_access_token",
                "api_key_prefix",
                "api_key_matches",
                "parse_authorization",
                "load_principal",
                "authenticate_user",
            }
        ),
        ("tests/unit/test_auth.py", "tests/api/test_accounts_signin.py", "tests/api/test_countermarks_v2.py"),
    ),
}

# The operators kept: a mutant a test can tell apart, at a step a real slip would make.
OPERATORS = re.compile(
    r"core/(ReplaceComparisonOperator_(Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt|Eq_NotEq|NotEq_Eq|Is_IsNot|IsNot_Is)"
    r"|ReplaceBinaryOperator_(Add_Sub|Sub_Add|Mul_Add|BitAnd_BitOr|BitOr_BitAnd)"
    r"|ReplaceUnaryOperator_(USub_UAdd|Delete_Not)"
    r"|NumberReplacer|AddNot|ReplaceAndWithOr|ReplaceOrWithAnd|ReplaceTrueWithFalse|ReplaceFalseWithTrue"
    r"|ZeroIterationForLoop|ReplaceBreakWithContinue|ReplaceContinueWithBreak|ExceptionReplacer)$"
)
TEST_TIMEOUT = 600.0  # seconds for one mutant's tests: a mutant that loops forever is killed by it


def equivalents() -> dict[tuple[str, str, str], str]:
    """{(module, operator, the line as the mutant has it): reason} from ``bench/mutants_equivalent.txt``."""
    out = {}
    for raw in EQUIVALENT.read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        module, operator, reason, line = (part.strip() for part in raw.split(" | ", 3))
        out[(module, operator, line)] = reason
    return out


def copy_project(dest: Path) -> None:
    """The tracked and new files of the project (no virtualenv, no caches) into ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    if dest.exists():
        shutil.rmtree(dest)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the annotations are: never evaluated here (``from __future__ import annotations``), so never mutated."""
    import ast

    spans = []
    for node in ast.walk(ast.parse(path.read_text())):
        found = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            found.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            found.append(node.returns)
        spans += [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in found]
    return spans


def digest(*names: str) -> str:
    hashed = hashlib.sha256()
    for name in names:
        hashed.update((ROOT / name).read_bytes())
    return hashed.hexdigest()[:12]


def test_digest(module: Module) -> str:
    return digest(*module.tests, "tests/conftest.py", "tests/factories.py", "tests/windows.py")


def cosmic_ray(*args: str, env: dict[str, str], cwd: Path) -> None:
    subprocess.run([str(Path(sys.executable).with_name("cosmic-ray")), *args], cwd=cwd, env=env, check=True)


def run_module(name: str, module: Module, *, fresh: bool = False, only: frozenset[str] | None = None) -> dict:
    """Mutates one module (resuming its session if it exists) and returns its results.

    ``only``: this run tries just these functions of the module's scope (a time
    box); the others stay untried, counted apart, and a later run takes them.
    """
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    tree = WORK / name
    session = WORK / f"{name}.sqlite"
    state_file = WORK / f"{name}.json"
    state = json.loads(state_file.read_text()) if state_file.exists() and session.exists() else {}
    env = {
        **os.environ,
        "PYTHONPATH": f"{tree / 'layers/core/python'}:{tree}",
        "PYTHONDONTWRITEBYTECODE": "1",  # a mutant of the same size in the same second must not reuse a .pyc
        "MUTANTS_FIRST": ",".join(module.first),
    }
    tests = " ".join(module.tests)
    command = f"{sys.executable} -m pytest -x -q -p no:cacheprovider -p bench.mutants_order --timeout=300 {tests}"
    if fresh or state.get("module") != digest(module.path):
        session.unlink(missing_ok=True)
        state = {}
    if state.get("tests") != test_digest(module):
        copy_project(tree)
        started = time.monotonic()
        baseline = subprocess.run(command, shell=True, cwd=tree, env=env, capture_output=True, text=True)
        if baseline.returncode != 0:
            sys.exit(f"{name}: the tests fail without any mutant:\n{baseline.stdout[-3000:]}")
        print(f"{name}: tests pass unmutated in {time.monotonic() - started:.0f} s", flush=True)
    for kept in (module.path, "bench/mutants_order.py"):
        # A run stopped halfway leaves its mutant on disk (cosmic-ray puts the module back only after the tests).
        (tree / kept).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / kept, tree / kept)
    config = tree / "mutants.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(module.path)}\n"
        f"timeout = {TEST_TIMEOUT}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
    )
    if not state:
        cosmic_ray("init", str(config), str(session), env=env, cwd=tree)
    annotations = annotation_spans(ROOT / module.path)

    def out_of_scope(mutation) -> bool:
        return (
            not OPERATORS.match(mutation.operator_name)
            or mutation.definition_name not in module.functions
            or any(start <= tuple(mutation.start_pos) < end for start, end in annotations)
        )

    def put_off(mutation) -> bool:
        return only is not None and mutation.definition_name not in only

    with use_db(str(session), WorkDB.Mode.open) as db:
        from cosmic_ray.work_db import WorkResultStorage

        # The scope is decided again on each run: a function put off last time is tried now.
        with db._session_maker.begin() as rows:
            rows.query(WorkResultStorage).filter(WorkResultStorage.worker_outcome == WorkerOutcome.SKIPPED).delete()
        if state and state.get("tests") != test_digest(module):
            # Tests were added: the killed stay killed, the survivors are tried again.
            from cosmic_ray.work_db import WorkResultStorage
            from cosmic_ray.work_item import TestOutcome

            with db._session_maker.begin() as rows:
                rows.query(WorkResultStorage).filter(WorkResultStorage.test_outcome == TestOutcome.SURVIVED).delete()
        skipped = [item.job_id for item in db.work_items if out_of_scope(item.mutations[0])]
        db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="scope"))
        later = [
            item.job_id for item in db.work_items if not out_of_scope(item.mutations[0]) and put_off(item.mutations[0])
        ]
        db.set_multiple_results(later, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="later"))
    state_file.write_text(json.dumps({"module": digest(module.path), "tests": test_digest(module)}))
    cosmic_ray("exec", str(config), str(session), env=env, cwd=tree)
    return results_of(name, module, session)


def results_of(name: str, module: Module, session: Path) -> dict:
    """What a module's session holds: killed, survivors, equivalent, untried (``--report`` reads it mid-run)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome

    lines = (ROOT / module.path).read_text().splitlines()
    known = equivalents()
    killed, survivors, equivalent, untried = 0, [], [], 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        untried = db.num_work_items - db.num_results
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                untried += result.output == "later"
                continue
            mutation = item.mutations[0]
            line = lines[mutation.start_pos[0] - 1].strip()
            if result.test_outcome is not None and result.test_outcome.value != "survived":
                killed += 1
                continue
            found = {
                "line": mutation.start_pos[0],
                "operator": mutation.operator_name,
                "function": mutation.definition_name,
                "source": line,
                "mutated": _mutated_line(result.diff or ""),
            }
            reason = known.get((name, mutation.operator_name, found["mutated"]))
            if reason is None:
                survivors.append(found)
            else:
                equivalent.append({**found, "reason": reason})
    return {"killed": killed, "survivors": survivors, "equivalent": equivalent, "untried": untried}


def _mutated_line(diff: str) -> str:
    return next((x[1:].strip() for x in diff.splitlines() if x.startswith("+") and not x.startswith("+++")), "")


def report(name: str, result: dict) -> None:
    total = result["killed"] + len(result["survivors"])
    score = 100.0 * result["killed"] / total if total else 100.0
    untried = f", {result['untried']} not tried yet" if result.get("untried") else ""
    print(
        f"\n{name}: {result['killed']}/{total} killed ({score:.0f}%), {len(result['equivalent'])} equivalent{untried}"
    )
    for s in sorted(result["survivors"], key=lambda s: s["line"]):
        print(f"  SURVIVED line {s['line']} ({s['function']}, {s['operator']}): {s['source']}  ->  {s['mutated']}")
    for s in sorted(result["equivalent"], key=lambda s: s["line"]):
        print(f"  equivalent line {s['line']} ({s['operator']}): {s['mutated']}  -- {s['reason']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", choices=[[], *MODULES], help="modules to mutate (default: all)")
    parser.add_argument("--list", action="store_true", help="print the modules, their scope and tests")
    parser.add_argument("--fresh", action="store_true", help="start over, even where only tests changed")
    parser.add_argument("--report", action="store_true", help="print the sessions' scores so far, run nothing")
    parser.add_argument(
        "--functions", help="comma-separated: this run tries only these functions (the others wait for a later run)"
    )
    args = parser.parse_args(argv)
    names = args.modules or list(MODULES)
    if args.list:
        for name in names:
            module = MODULES[name]
            print(f"{name}: {module.path}\n  functions: {', '.join(sorted(module.functions))}")
            print(f"  tests: {' '.join(module.tests)}")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in names:
        if args.report:
            if (WORK / f"{name}.sqlite").exists():
                results[name] = results_of(name, MODULES[name], WORK / f"{name}.sqlite")
            continue
        only = frozenset(args.functions.split(",")) if args.functions else None
        results[name] = run_module(name, MODULES[name], fresh=args.fresh, only=only)
    print("\nMutation scores (killed / not equivalent):")
    for name, result in results.items():
        report(name, result)
    return 1 if any(r["survivors"] for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
