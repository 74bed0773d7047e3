"""The same numbers on every machine: inference fitted under different BLAS kernels, in subprocesses.

OpenBLAS picks its kernel by CPU when it loads; OPENBLAS_CORETYPE forces one. Prescott is the
generic x86-64 kernel (safe on every such CPU), SkylakeX the AVX-512 one. A fit, its wild-bootstrap
and randomisation p-values and intervals, and the bootstrap pre-trend test must have the same bits
under each kernel, including on panels where bootstrap draws tie with the observed statistic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
import threadpoolctl
from tests.known_truth import did_panel
from workbench import analysis, evidence

spec = dict(outcome="y", unit="unit", time="year", treatment="post")
out = {"kernel": sorted({i.get("architecture") for i in threadpoolctl.threadpool_info()
                         if i.get("internal_api") == "openblas"})}
for effect, seed in [(0.0, 4), (0.8, 7), (1.5, 9)]:           # 10 clusters: every sign vector enumerated
    df = did_panel(n_units=10, n_treated=4, effect=effect, noise=1.0, seed=seed)
    r = analysis.fit("did", df, **spec, draws=9999)
    out[f"enumerated {effect} {seed}"] = r.to_dict()
panel = evidence.outcome_panel("total_place", "emergency_admissions")
r = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period", treatment="treated",
                 strata="region_code", draws=1999)
out["demo, within regions"] = r.to_dict()
print(json.dumps(out, sort_keys=True, allow_nan=False))
"""


def _fit_under(kernel: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    if kernel:
        env["OPENBLAS_CORETYPE"] = kernel
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _has_avx512() -> bool:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


@pytest.mark.slow
def test_inference_has_the_same_bits_under_the_default_and_the_generic_kernel():
    default, generic = _fit_under(None), _fit_under("Prescott")
    assert generic.pop("kernel") in (["Prescott"], ["Katmai"])   # OpenBLAS names its generic kernel Katmai
    print(f"default kernel: {default.pop('kernel')}")
    assert default == generic
    tied = default["enumerated 0.8 7"]["diagnostics"]
    assert tied["wild_bootstrap_draws"] == 1024         # the panel where draws tie with the observed t


@pytest.mark.slow
def test_inference_has_the_same_bits_under_the_avx512_kernel():
    if not _has_avx512():
        pytest.skip("needs an AVX-512 CPU to run OpenBLAS's SkylakeX kernel")
    generic, avx512 = _fit_under("Prescott"), _fit_under("SkylakeX")
    assert avx512.pop("kernel") == ["SkylakeX"] and generic.pop("kernel") in (["Prescott"], ["Katmai"])
    assert generic == avx512
