"""Finite-game solvers against nashpy, measured in the same run.

1. Zero-sum LP, random 500 x 500 payoffs: ``gs.solve(game, "lp")`` (one
   HiGHS solve, the row strategy from the duals) against nashpy's
   ``Game.linear_program()`` (two LPs). Target ratio gamesolve / nashpy <= 0.3.
2. 10,000 random 3 x 3 zero-sum games: the batched predictive regret
   matching+ solver (all games at once in torch, each frozen once its
   exploitability is <= 1e-3) against a loop of nashpy ``linear_program``.
   Target: >= 100x faster, values equal to 1e-3 (the batched value estimate
   is within the exploitability of the true value).
3. All equilibria of random 7 x 7 bimatrix games: ``support-enumeration``
   against nashpy's ``support_enumeration()``. Target: >= 20x faster, same
   equilibria. nashpy drops equilibria whose linear solve returns a
   probability like -1e-17 (its test is ``prob >= 0``), so the script checks
   that every nashpy equilibrium is among gamesolve's, that gamesolve's list
   equals its ``vertex-enumeration`` list, and that each equilibrium nashpy
   missed is an exact equilibrium of the game (rational arithmetic).

4. von Stengel's 6 x 6 game with 75 equilibria (zoo ``von-stengel-75``):
   ``vertex-enumeration`` (rational pivoting: the payoffs are integers) and
   the same game given as floats (verified float pivoting). Target: all 75,
   certified, in < 1 s. Gambit's ``enummixed`` (float and rational) is timed
   beside it when pygambit is installed (optional, not a dependency).
5. Near-degenerate games: payoffs in {0, 1, 2} plus 1e-6 or 1e-8 Gaussian
   noise, sizes 2..5, the games on which float solvers go wrong.
   ``vertex-enumeration`` and ``lemke-howson`` are checked against Gambit's
   rational ``enummixed`` on the exact binary rationals of the floats (when
   pygambit is installed): equilibria not certified, missing, or extra; and
   Gambit's float ``enummixed`` is scored the same way, a float point
   counting as found when it is within 1e-7 of an exact equilibrium.

6. All equilibria against Gambit (pygambit, skipped when it is not
   installed): 5 random Gaussian games per size 6, 8, 10, 12.
   ``vertex-enumeration`` (certified) against Gambit's ``enummixed`` in
   floats (same sets, a float point matched within 1e-7) and in rationals
   (same sets, exactly; sizes up to ``--rational-max``, it is slow), and
   ``lemke-howson`` beside Gambit's ``lcp`` (Lemke-Howson from every label).
   Targets: >= 1.5x Gambit's float enummixed on 8 x 8 and 10 x 10, >= 50x its
   rational one, 12 x 12 under 30 s. Writes ``finite_scaling.png``, time
   against size.

Timings are medians of interleaved repeats (1, 3) or totals over the same
games (2, 3, 4, 5, 6); other processes on the machine slow both sides alike.

    python benchmarks/finite.py [--only 1 2 3 4 5 6] [--out DIR] [--games 10000] [--bimatrix 20] [--repeats 3]
                                [--near 200] [--sizes 6 8 10 12] [--per-size 5] [--rational-max 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path

import nashpy
import numpy as np
import torch

import gamesolve as gs
from gamesolve.game_registry import make_game


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def lp_500(repeats: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((500, 500))
    game, peer = gs.MatrixGame(A), nashpy.Game(A)
    ours, theirs = [], []
    for r in range(repeats):
        for who in ((0, 1) if r % 2 == 0 else (1, 0)):
            if who == 0:
                t, result = _timed(lambda: gs.solve(game, "lp"))
                ours.append(t)
            else:
                t, (xn, yn) = _timed(peer.linear_program)
                theirs.append(t)
    value_gap = abs(result.value - float(xn @ A @ yn))
    return {"gamesolve_s": statistics.median(ours), "nashpy_s": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs), "value": result.value,
            "value_difference": value_gap, "target": "<= 0.3"}


def batched_3x3(games: int, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    A = 2 * torch.rand(games, 3, 3, generator=gen, dtype=torch.float64) - 1
    batch = gs.MatrixGameBatch(A)
    solver = gs.BatchedRegretMatchingPlus(batch, tol=1e-3)
    t_ours, result = _timed(lambda: gs.solve(batch, solver, steps=100_000, tol=1e-3, progress=False))
    values = solver.values().numpy()
    exploitability = float(solver.exploitability().max())
    mats = A.numpy()
    peer_values = np.empty(games)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(games):
            x, y = nashpy.Game(mats[k]).linear_program()
            peer_values[k] = x @ mats[k] @ y
            if (k + 1) % 1000 == 0:
                print(f"    nashpy: {k + 1}/{games} games, {time.perf_counter() - start:.1f} s", file=sys.stderr)
    t_peer = time.perf_counter() - start
    return {"games": games, "gamesolve_s": t_ours, "nashpy_s": t_peer, "speedup": t_peer / t_ours,
            "steps": result.steps, "max_exploitability": exploitability,
            "max_value_difference": float(np.abs(values - peer_values).max()), "target": ">= 100x, values to 1e-3"}


def _contains(pool, eq, tol=1e-7):
    return any(np.abs(eq[0] - a).max() <= tol and np.abs(eq[1] - b).max() <= tol for a, b in pool)


def bimatrix_7x7(count: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    t_ours = t_peer = 0.0
    found = missed = missed_exact = 0
    peer_subset = equals_vertex = True
    for _ in range(count):
        A, B = rng.standard_normal((7, 7)), rng.standard_normal((7, 7))
        game = gs.MatrixGame(A, B)
        t, ours = _timed(lambda: gs.solve(game, "support-enumeration").equilibria)
        t_ours += t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, theirs = _timed(lambda: list(nashpy.Game(A, B).support_enumeration()))
        t_peer += t
        vertex = gs.solve(game, "vertex-enumeration").equilibria
        equals_vertex &= len(vertex) == len(ours) and all(_contains(vertex, e) for e in ours)
        peer_subset &= all(_contains(ours, e) for e in theirs)
        found += len(ours)
        extra = [e for e in ours if not _contains(theirs, e)]
        missed += len(extra)
        missed_exact += sum(gs.exact_equilibrium(game, e) is not None for e in extra)
    return {"games": count, "gamesolve_s": t_ours, "nashpy_s": t_peer, "speedup": t_peer / t_ours,
            "equilibria_gamesolve": found, "equilibria_nashpy": found - missed, "nashpy_within_gamesolve": peer_subset,
            "gamesolve_equals_vertex_enumeration": equals_vertex, "missed_by_nashpy": missed,
            "missed_and_exact": missed_exact, "target": ">= 20x, same equilibria"}


def _gambit():
    try:
        import pygambit
    except ImportError:
        return None
    return pygambit


def _gambit_game(gbt, game: gs.MatrixGame):
    """The game in Gambit, payoffs as the exact rationals they are."""
    def rational(v):
        f = Fraction(v)
        return gbt.Rational(f.numerator, f.denominator)
    A, B = game.exact_payoffs()
    return gbt.Game.from_arrays([[rational(v) for v in r] for r in A], [[rational(v) for v in r] for r in B])


def _gambit_set(gbt_game, rational: bool) -> set:
    """Gambit's enummixed equilibria as a set of pairs: exact Fractions, or floats (``rational=False``)."""
    result = _gambit().nash.enummixed_solve(gbt_game, rational=rational)
    read = (lambda v: Fraction(str(v))) if rational else float
    return {tuple(tuple(read(eq[s]) for s in p.strategies) for p in gbt_game.players) for eq in result.equilibria}


def _float_score(found: set, reference: set, tol: float = 1e-7) -> tuple[int, int]:
    """``(missing, extra)`` for float equilibria against exact ones: each float pair is matched to
    an unmatched exact pair within ``tol`` (max abs), once."""
    left = [np.r_[[float(v) for v in x], [float(v) for v in y]] for x, y in reference]
    extra = 0
    for x, y in found:
        point = np.r_[x, y]
        k = next((k for k, r in enumerate(left) if np.abs(r - point).max() <= tol), None)
        if k is None:
            extra += 1
        else:
            left.pop(k)
    return len(left), extra


def _pairs(equilibria) -> set:
    return {(tuple(eq.exact[0]), tuple(eq.exact[1])) for eq in equilibria if eq.certified}


def von_stengel_75(repeats: int) -> dict:
    game = make_game("von-stengel-75")
    floats = gs.MatrixGame(game.A, game.B)
    out: dict = {}
    for label, g in (("gamesolve_rational", game), ("gamesolve_float", floats)):
        times, result = [], None
        for _ in range(repeats):
            t, result = _timed(lambda: gs.solve(g, "vertex-enumeration"))
            times.append(t)
        out[label] = {"s": statistics.median(times), "equilibria": len(result.equilibria),
                      "certified": result.certified}
    gbt = _gambit()
    if gbt is not None:
        gg = _gambit_game(gbt, game)
        for label, rational in (("gambit_float", False), ("gambit_rational", True)):
            times = []
            for _ in range(repeats):
                t, found = _timed(lambda: _gambit_set(gg, rational))
                times.append(t)
            same = found == _pairs(result.equilibria) if rational else \
                _float_score(found, _pairs(result.equilibria)) == (0, 0)
            out[label] = {"s": statistics.median(times), "equilibria": len(found), "same_set": same}
    out["target"] = "75, certified, < 1 s"
    return out


def near_degenerate(count: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    gbt = _gambit()
    tally = {k: {"s": 0.0, "uncertified": 0, "missing": 0, "extra": 0, "games_wrong": 0}
             for k in ("vertex-enumeration", "lemke-howson", "gambit_float")}
    reference_s, equilibria = 0.0, 0
    for k in range(count):
        m, n = (int(v) for v in rng.integers(2, 6, 2))
        noise = (1e-6, 1e-8)[k % 2]
        A = rng.integers(0, 3, (m, n)) + noise * rng.standard_normal((m, n))
        B = rng.integers(0, 3, (m, n)) + noise * rng.standard_normal((m, n))
        game = gs.MatrixGame(A, B)
        if gbt is not None:
            gg = _gambit_game(gbt, game)
            t, reference = _timed(lambda: _gambit_set(gg, True))
            reference_s += t
            t, found = _timed(lambda: _gambit_set(gg, False))
            row = tally["gambit_float"]
            row["s"] += t
            missing, extra = _float_score(found, reference)
            row["missing"] += missing
            row["extra"] += extra
            row["games_wrong"] += bool(missing or extra)
        for name in ("vertex-enumeration", "lemke-howson"):
            t, result = _timed(lambda: gs.solve(game, name).equilibria)
            row = tally[name]
            row["s"] += t
            row["uncertified"] += sum(not eq.certified for eq in result)
            if gbt is not None:
                ours = _pairs(result)
                row["extra"] += len(ours - reference)
                row["missing"] += len(reference - ours) if name == "vertex-enumeration" else 0
                row["games_wrong"] += (ours != reference) if name == "vertex-enumeration" else bool(ours - reference)
        equilibria += len(reference) if gbt is not None else 0
    if gbt is None:
        del tally["gambit_float"]
    else:
        tally["gambit_float"]["uncertified"] = "n/a (no certificates)"
    return {"games": count, "reference": "Gambit enummixed, rational" if gbt else "none (pygambit not installed)",
            "reference_s": reference_s, "equilibria": equilibria, **tally,
            "target": "0 uncertified, 0 missing, 0 extra"}


def gambit_scaling(sizes: list[int], per_size: int, rational_max: int, seed: int = 0) -> dict:
    gbt = _gambit()
    if gbt is None:
        return {}
    rng = np.random.default_rng(seed)
    rows = {}
    for n in sizes:
        row = {"games": per_size, "equilibria": 0, "vertex-enumeration_s": 0.0, "gambit_float_s": 0.0,
               "lemke-howson_s": 0.0, "gambit_lcp_s": 0.0, "same_sets_float": True, "all_certified": True}
        if n <= rational_max:
            row.update({"gambit_rational_s": 0.0, "same_sets_rational": True})
        for _ in range(per_size):
            A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
            game = gs.MatrixGame(A, B)
            gg = _gambit_game(gbt, game)
            t, result = _timed(lambda: gs.solve(game, "vertex-enumeration"))
            row["vertex-enumeration_s"] += t
            ours = _pairs(result.equilibria)
            row["equilibria"] += len(ours)
            row["all_certified"] &= result.certified
            t, found = _timed(lambda: _gambit_set(gg, False))
            row["gambit_float_s"] += t
            row["same_sets_float"] &= _float_score(found, ours) == (0, 0)
            if n <= rational_max:
                t, found = _timed(lambda: _gambit_set(gg, True))
                row["gambit_rational_s"] += t
                row["same_sets_rational"] &= found == ours
            row["lemke-howson_s"] += _timed(lambda: gs.solve(game, "lemke-howson"))[0]
            row["gambit_lcp_s"] += _timed(lambda: gbt.nash.lcp_solve(gg, rational=False, use_strategic=True))[0]
        row["vs_gambit_float"] = row["gambit_float_s"] / row["vertex-enumeration_s"]
        if n <= rational_max:
            row["vs_gambit_rational"] = row["gambit_rational_s"] / row["vertex-enumeration_s"]
        rows[n] = row
    return {"sizes": rows, "target": ">= 1.5x Gambit float on 8x8 and 10x10, >= 50x Gambit rational, "
                                      "12x12 < 30 s"}


def plot_scaling(rows: dict, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(rows)
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label, style in (("vertex-enumeration_s", "gamesolve vertex-enumeration (certified)", "o-"),
                              ("gambit_float_s", "Gambit enummixed, floats", "s--"),
                              ("gambit_rational_s", "Gambit enummixed, rationals", "^:"),
                              ("lemke-howson_s", "gamesolve lemke-howson (certified)", "d-"),
                              ("gambit_lcp_s", "Gambit lcp, floats", "v--")):
        points = [(n, rows[n][key] / rows[n]["games"]) for n in sizes if key in rows[n]]
        if points:
            ax.plot(*zip(*points), style, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("game size n (n x n, Gaussian payoffs)")
    ax.set_ylabel("seconds per game")
    ax.set_xticks(sizes)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="gamesolve-runs/benchmarks", help="folder for finite.json")
    parser.add_argument("--games", type=int, default=10_000, help="3 x 3 games of benchmark 2")
    parser.add_argument("--bimatrix", type=int, default=20, help="7 x 7 games of benchmark 3")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of benchmark 1")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--near", type=int, default=200, help="near-degenerate games of benchmark 5")
    parser.add_argument("--sizes", type=int, nargs="*", default=[6, 8, 10, 12], help="game sizes of benchmark 6")
    parser.add_argument("--per-size", type=int, default=5, help="games per size in benchmark 6")
    parser.add_argument("--rational-max", type=int, default=8,
                        help="largest size on which benchmark 6 runs Gambit's rational enummixed")
    parser.add_argument("--only", type=int, nargs="*", choices=(1, 2, 3, 4, 5, 6), default=[1, 2, 3, 4, 5, 6],
                        help="run only these benchmarks")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, nashpy {nashpy.__version__}, {args.threads} thread(s)")
    report = {}
    if 1 in args.only:
        print("1. zero-sum LP, 500 x 500 ...", flush=True)
        r = report["lp_500"] = lp_500(args.repeats)
        print(f"   gamesolve {r['gamesolve_s']:.3f} s, nashpy {r['nashpy_s']:.3f} s, ratio {r['ratio']:.3f} "
              f"(target <= 0.3); values differ by {r['value_difference']:.1e}")
    if 2 in args.only:
        print(f"2. {args.games} random 3 x 3 zero-sum games ...", flush=True)
        r = report["batched_3x3"] = batched_3x3(args.games)
        print(f"   gamesolve batched {r['gamesolve_s']:.3f} s ({r['steps']} steps), nashpy loop {r['nashpy_s']:.1f} "
              f"s, {r['speedup']:.0f}x faster (target >= 100x); max exploitability {r['max_exploitability']:.1e}, "
              f"max value difference {r['max_value_difference']:.1e} (target 1e-3)")
    if 3 in args.only:
        print(f"3. all equilibria of {args.bimatrix} random 7 x 7 bimatrix games ...", flush=True)
        r = report["bimatrix_7x7"] = bimatrix_7x7(args.bimatrix)
        print(f"   gamesolve {r['gamesolve_s']:.3f} s, nashpy {r['nashpy_s']:.2f} s, {r['speedup']:.0f}x faster "
              f"(target >= 20x); equilibria: gamesolve {r['equilibria_gamesolve']}, nashpy "
              f"{r['equilibria_nashpy']}; nashpy's all among gamesolve's: {r['nashpy_within_gamesolve']}; gamesolve "
              f"= vertex enumeration: {r['gamesolve_equals_vertex_enumeration']}; the {r['missed_by_nashpy']} "
              f"nashpy missed are exact equilibria: {r['missed_and_exact']}/{r['missed_by_nashpy']}")
    if 4 in args.only:
        print("4. von Stengel's 6 x 6 game with 75 equilibria ...", flush=True)
        r = report["von_stengel_75"] = von_stengel_75(args.repeats)
        for k, v in r.items():
            if k != "target":
                same = f", same set as gamesolve's: {v['same_set']}" if "same_set" in v else ""
                cert = f", certified: {v['certified']}" if "certified" in v else ""
                print(f"   {k:20s} {1e3 * v['s']:8.1f} ms, {v['equilibria']} equilibria{cert}{same}")
        if "gambit_float" not in r:
            print("   Gambit skipped: pygambit is not installed (pip install pygambit)")
    if 5 in args.only:
        print(f"5. {args.near} near-degenerate games (payoffs in {{0, 1, 2}} + 1e-6 / 1e-8 noise, 2..5) ...",
              flush=True)
        r = report["near_degenerate"] = near_degenerate(args.near)
        print(f"   reference: {r['reference']} ({r['reference_s']:.2f} s), {r['equilibria']} equilibria")
        for k in ("vertex-enumeration", "lemke-howson", "gambit_float"):
            if k in r:
                v = r[k]
                print(f"   {k:20s} {v['s']:7.2f} s; uncertified {v['uncertified']}, missing {v['missing']}, "
                      f"not equilibria {v['extra']}, games wrong {v['games_wrong']}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if 6 in args.only:
        print(f"6. all equilibria against Gambit, {args.per_size} random games per size {args.sizes} ...", flush=True)
        r = report["gambit_scaling"] = gambit_scaling(args.sizes, args.per_size, args.rational_max)
        if not r:
            print("   skipped: pygambit is not installed (pip install pygambit)")
        for n, v in r.get("sizes", {}).items():
            rational = (f", rational {v['gambit_rational_s']:.2f} s ({v['vs_gambit_rational']:.0f}x, same sets "
                        f"{v['same_sets_rational']})" if "gambit_rational_s" in v else "")
            print(f"   {n:2d} x {n:<2d} vertex-enumeration {v['vertex-enumeration_s']:.3f} s ({v['equilibria']} "
                  f"equilibria, certified {v['all_certified']}); Gambit float {v['gambit_float_s']:.3f} s "
                  f"({v['vs_gambit_float']:.2f}x, same sets {v['same_sets_float']}){rational}; lemke-howson "
                  f"{v['lemke-howson_s']:.3f} s, Gambit lcp {v['gambit_lcp_s']:.3f} s")
        if r:
            print(f"   plot: {plot_scaling(r['sizes'], out / 'finite_scaling.png')}")
    (out / "finite.json").write_text(json.dumps(report, indent=2))
    print(f"written to {out / 'finite.json'}")


if __name__ == "__main__":
    main()
