"""Charts are drawn without pyplot: the package never changes the plotting state of its importer."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pandas as pd
from nbclient import NotebookClient

from workbench.briefs.figures import trend_chart

IMPORT_EVERYTHING = """
import importlib, pkgutil
import workbench
for module in pkgutil.walk_packages(workbench.__path__, "workbench."):
    importlib.import_module(module.name)
"""


def _run(*parts: str) -> dict:
    """Run the code `parts` in a fresh interpreter (no MPLBACKEND); it prints a JSON object last."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    code = "\n".join(textwrap.dedent(part) for part in parts)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _plot() -> pd.DataFrame:
    periods = np.arange(2004, 2012)
    return pd.DataFrame({"period": periods, "pilot": np.linspace(10, 13, 8), "comparison": np.linspace(9, 11, 8),
                         "counterfactual": np.linspace(10, 12, 8), "n_pilot": 3, "n_comparison": 20})


def _chart(synthetic=True):
    return trend_chart(_plot(), title="T", subtitle="S", alt="A", value_label="rate", first_post_period=2008,
                       csv_name="t.csv", synthetic=synthetic)


def test_importing_the_whole_package_resolves_no_backend_and_changes_no_rc_param():
    state = _run("""
        import json, matplotlib
        params = lambda: {k: matplotlib.rcParams[k] for k in matplotlib.rcParams if k != "backend"}
        before = params()  # reading rcParams["backend"] would resolve it
        """, IMPORT_EVERYTHING, """
        after = params()
        changed = sorted(k for k in before if str(before[k]) != str(after[k]))
        print(json.dumps({"resolved": matplotlib.rcParams._get_backend_or_none(), "changed": changed}))
    """)
    assert state == {"resolved": None, "changed": []}


def test_the_chosen_backend_survives_importing_everything_and_drawing_a_chart():
    state = _run("""
        import json, matplotlib
        matplotlib.use("pdf")
        import matplotlib.pyplot as plt
        """, IMPORT_EVERYTHING, """
        import numpy as np, pandas as pd
        from workbench.briefs.figures import trend_chart
        p = np.arange(2004, 2012)
        plot = pd.DataFrame({"period": p, "pilot": p * 1.0, "comparison": p * 0.9, "counterfactual": p * 0.95,
                             "n_pilot": 2, "n_comparison": 9})
        chart = trend_chart(plot, title="T", subtitle="S", alt="A", value_label="v", first_post_period=2008,
                            csv_name="c.csv", synthetic=False)
        print(json.dumps({"backend": matplotlib.get_backend(), "figures": plt.get_fignums(),
                          "svg": chart.svg.startswith("<svg")}))
    """)
    assert state == {"backend": "pdf", "figures": [], "svg": True}


def test_the_chart_svg_is_the_same_bytes_every_time():
    first, second = _chart(), _chart()
    assert first.svg == second.svg and first.svg.startswith("<svg")
    assert "SYNTHETIC DATA" in first.svg and "SYNTHETIC DATA" not in _chart(synthetic=False).svg


def test_a_notebook_still_shows_inline_figures_after_importing_the_briefs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import workbench.briefs\nfrom workbench import analysis, briefs, evidence"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [2, 1, 3])\nplt.show()"),
        nbformat.v4.new_code_cell("import pandas as pd\n_ = pd.Series([1, 3, 2]).plot()"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in nb.cells[1:]:
        kinds = [o.get("data", {}).keys() for o in cell.outputs if o["output_type"] == "display_data"]
        assert any("image/png" in k for k in kinds), cell.outputs


def test_each_chart_is_drawn_wide_and_narrow_with_direct_labels_and_no_legend():
    chart = _chart()
    for svg in (chart.svg, chart.svg_narrow):
        assert "Pilot areas" in svg and "Comparison" in svg and "followed the" in svg and "Initiative" in svg
        assert 'id="legend_1"' not in svg
        assert "stroke-dasharray" in svg          # the comparison and counterfactual lines are not solid
    assert chart.svg != chart.svg_narrow


def test_two_charts_on_one_page_share_no_id_and_every_reference_resolves():
    other = trend_chart(_plot(), title="U", subtitle="S", alt="B", value_label="rate", first_post_period=2007,
                        csv_name="u.csv", synthetic=False)
    page = _chart().html() + other.html()
    ids = re.findall(r' id="([^"]+)"', page)
    references = set(re.findall(r'(?:href="|url\()#([\w.-]+)', page))
    assert ids and len(ids) == len(set(ids))
    assert references and references <= set(ids)
    assert page.count('role="img"') == 4 and "<metadata>" not in page and "*{stroke" not in page


def test_the_yearly_gap_chart_has_its_band_zero_line_and_data():
    from workbench.briefs.figures import gap_chart

    effects = pd.DataFrame({"period": [2006, 2004, 2005], "estimate": [-1.0, 0.1, 0.0],
                            "ci_low": [-1.5, -0.4, -0.5], "ci_high": [-0.5, 0.6, 0.5]})
    make = lambda: gap_chart(effects, title="G", subtitle="S", alt="A", value_label="v", first_post_period=2006,
                             csv_name="g.csv", synthetic=False)
    chart = make()
    assert chart.svg == make().svg and chart.svg_narrow == make().svg_narrow
    assert list(chart.data.columns) == ["Year", "Gap (pilot minus comparison)", "95% CI low", "95% CI high"]
    assert chart.data["Year"].tolist() == [2004, 2005, 2006]          # sorted by year
    assert chart.csv().splitlines()[-1] == "2006,-1.000,-1.500,-0.500"
    for svg in (chart.svg, chart.svg_narrow):
        assert "No difference" in svg and "confidence" in svg and "Gap: pilot" in svg
