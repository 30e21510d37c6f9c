"""``save_html``: one self-contained page of the widget (no kernel, no network)."""

from __future__ import annotations

import json
import re

import pytest

from fcnn_widget import FCNN, FCNNWidget, export, standalone

HOSTILE = "prod </script><script>alert(\"x\")</script> <!-- & 'quoted' \u2028"
# The only http(s) strings allowed in a page: XML namespace names, never fetched.
NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2000/xmlns/",
}
SEED_HTML_LIMIT = 900_000  # bytes; the seed example is about 0.6 MB


@pytest.fixture(scope="module")
def seed():
    """The seed example: relu [5, 5] on prod (2500 samples), 250 epochs."""
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=250, lr=0.005, batch_size=100)
    return FCNNWidget(model, sample=10, title=HOSTILE, caption=HOSTILE)


@pytest.fixture(scope="module")
def seed_page(seed, tmp_path_factory):
    seed.want_timeline()  # as save_html does: the page scrubs epochs with no kernel
    before = {k: getattr(seed, k) for k in standalone.synced_keys(seed)}
    path = seed.save_html(tmp_path_factory.mktemp("html") / "seed.html")
    return path, path.read_text(encoding="utf-8"), before


def test_the_seed_page_is_written_small_and_reported(seed_page, record_property):
    path, text, _ = seed_page
    size = path.stat().st_size
    record_property("seed_html_bytes", size)
    print(f"\nseed example page: {size} bytes ({size / 2**20:.2f} MiB)")
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert 100_000 < size < SEED_HTML_LIMIT
    doc = standalone.read_html(path)
    assert doc["format"] == standalone.FORMAT and doc["codec"] == "deflate"
    assert len(doc["variants"]) == 4 * 3 * 2  # palettes x norms x scopes


def test_the_page_loads_nothing_from_the_network(seed_page):
    _, text, _ = seed_page
    urls = set(re.findall(r"https?://[^\s\"'<>()\\]+", text))
    assert urls <= NAMESPACES, urls - NAMESPACES
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", text, re.I)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", text, re.I)
    assert '<script type="module">' in text


def test_hostile_title_and_caption_are_escaped(seed_page, seed):
    _, text, _ = seed_page
    # Exactly the page's own two scripts close: the state's and the module's.
    assert text.lower().count("</script") == 2
    assert text.count("<script") == 2
    assert "<!--" not in text.split("<body>", 1)[1].split('<script type="module">')[0]
    assert f"<title>{'prod &lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)'}" in text
    doc = standalone.read_html(text)
    base, _ = standalone.decode_state(doc)
    assert base["title"] == HOSTILE and base["caption"] == HOSTILE
    assert base["_svg"] == seed._svg  # the picture, its escaped title inside, as the kernel sent it


def test_state_round_trips_and_the_widget_is_left_as_it_was(seed_page, seed):
    _, text, before = seed_page
    after = {k: getattr(seed, k) for k in standalone.synced_keys(seed)}
    assert after == before
    base, variants = standalone.decode_state(standalone.read_html(text))
    for key, value in before.items():
        if isinstance(value, (bytes, memoryview)):
            expected = bytes(value)
        elif isinstance(value, (dict, list, tuple)):
            expected = json.loads(json.dumps(standalone.codec._plain(value)))
        else:
            expected = value
        if key != "_palettes":
            assert base[key] == expected, key
    assert base["_palettes"] == ["viridis", "plasma", "coolwarm", "RdBu"]  # what the page offers
    assert {(v["palette"], v["norm"], v["norm_scope"]) for v in variants} == {
        (p, n, s)
        for p in ("viridis", "plasma", "coolwarm", "RdBu")
        for n in ("global", "component", "layer")
        for s in ("dataset", "sample")
    }


@pytest.mark.parametrize(
    ("palette", "norm", "scope"),
    [
        ("RdBu", "layer", "sample"),
        ("plasma", "global", "dataset"),
        ("coolwarm", "component", "sample"),
    ],
)
def test_each_variant_is_what_the_kernel_would_send(seed_page, seed, palette, norm, scope):
    _, text, _ = seed_page
    _, variants = standalone.decode_state(standalone.read_html(text))
    [variant] = [
        v["state"]
        for v in variants
        if (v["palette"], v["norm"], v["norm_scope"]) == (palette, norm, scope)
    ]
    saved = {k: getattr(seed, k) for k in ("palette", "norm", "norm_scope", "symmetric")}
    try:
        seed.palette, seed.norm, seed.norm_scope = palette, norm, scope
        for key in ("_svg", "_points", "_ranges", "_timeline", "symmetric", "_values", "_params"):
            value = getattr(seed, key)
            assert variant[key] == (bytes(value) if isinstance(value, bytes) else value), key
        assert variant["_meta"] == json.loads(json.dumps(seed._meta))
    finally:
        for key, value in saved.items():
            setattr(seed, key, value)


def test_a_model_with_style_and_chosen_variants(tmp_path):
    model = FCNN([3], dataset="xor", seed=1)
    path = export.save_html(
        model,
        tmp_path / "xor.html",
        sample=7,
        palette="RdBu",
        palettes=["RdBu", "viridis"],
        norms=["global"],
        page_title="xor <3",
    )
    text = path.read_text(encoding="utf-8")
    assert "<title>xor &lt;3</title>" in text
    doc = standalone.read_html(path)
    # The saved norm (component) is offered too.
    assert {(v["palette"], v["norm"], v["norm_scope"]) for v in doc["variants"]} == {
        (p, n, s)
        for p in ("RdBu", "viridis")
        for n in ("component", "global")
        for s in ("dataset", "sample")
    }
    base, variants = standalone.decode_state(doc)
    assert base["sample"] == 7 and base["palette"] == "RdBu" and base["symmetric"] is True
    assert base["_palettes"] == ["RdBu", "viridis"]
    # viridis brings its own default: not centred.
    assert all(v["state"]["symmetric"] is False for v in variants if v["palette"] == "viridis")


def test_export_overrides_apply_to_the_page_only(tmp_path):
    w = FCNNWidget(FCNN([3], dataset="xor", seed=1), sample=2)
    svg = w._svg
    page = standalone.to_html(w, sample=5, title="only in the page", palettes=["viridis"])
    base, _ = standalone.decode_state(standalone.read_html(page))
    assert base["sample"] == 5 and base["title"] == "only in the page"
    assert base["_timeline_sample"] == 5
    assert (w.sample, w.title, w._svg) == (2, "", svg)
    with pytest.raises(TypeError, match="unknown widget setting"):
        standalone.to_html(w, sampel=3)
    with pytest.raises(ValueError, match="norm"):
        standalone.to_html(w, norms=["nope"])


def test_centred_ranges_are_stored_once():
    """Ranges of a diverging palette derive from the uncentred ones (js/standalone.js repeats
    :func:`standalone.symmetrize`), so they cost nothing."""
    w = FCNNWidget(FCNN([3], dataset="xor", seed=1))
    doc = standalone.encode_state(*standalone.collect_state(w, palettes=["viridis", "RdBu"]))
    kinds = {
        v["palette"]: v["state"].get("_ranges", doc["state"]["_ranges"])[0] for v in doc["variants"]
    }
    assert kinds["RdBu"] == "sym" and kinds["viridis"] != "sym"


def test_script_escaping_helpers():
    js = 'const a = "</script>", b = "<!-- x", c = /<\\/SCRIPT/;'
    safe = standalone.page._script_safe(js)
    assert "</script" not in safe.lower() and "<!--" not in safe
    text = standalone.page._json_for_script({"t": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & \u2028"}


def test_saved_settings_are_always_offered_and_colormaps_count_by_name():
    from matplotlib.colors import LinearSegmentedColormap

    mine = LinearSegmentedColormap.from_list("mine", ["#000000", "#ff8800"])
    w = FCNNWidget(FCNN([3], dataset="xor", seed=1), norm="layer")
    _, variants, _ = standalone.collect_state(
        w, palettes=[mine], norms=["global"], scopes=["sample"]
    )
    assert {(v["palette"], v["norm"], v["norm_scope"]) for v in variants} == {
        (p, n, s)
        for p in ("viridis", "mine")
        for n in ("layer", "global")
        for s in ("dataset", "sample")
    }
    assert (w.palette, w.norm) == ("viridis", "layer")


def test_a_large_page_warns_with_its_expected_size_before_any_work(tmp_path, monkeypatch):
    """200,000 samples make a ~31 MB page: the warning comes before the variants are
    computed, so a filter that makes it an error stops the save with nothing done."""
    import warnings

    from fcnn_widget import datasets
    from fcnn_widget.standalone import page

    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    w = FCNNWidget(model, samples=datasets.make("prod", 200_000, seed=1))
    calls = []
    real = page.collect_state
    monkeypatch.setattr(page, "collect_state", lambda *a, **k: calls.append(1) or real(*a, **k))
    path = tmp_path / "big.html"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match=r"saved page of about (2\d|3\d) MB .*over 20 MB"):
            w.save_html(path)
    assert calls == [] and not path.exists()  # declined: no variant computed, no file
    monkeypatch.setattr(page, "LARGE_PAGE_BYTES", 10**9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.save_html(path, palettes=[], norms=["global"], scopes=["dataset"])  # no warning
    assert calls == [1] and path.exists()


@pytest.mark.parametrize(
    "options", [{}, {"palettes": ["viridis"], "norms": ["global"], "scopes": ["dataset"]}]
)
def test_the_expected_size_is_close_to_the_page_written(seed, tmp_path, options):
    from fcnn_widget.standalone import collect, estimate

    src = collect.page_source(seed)
    expected = estimate.page_bytes(
        src, norms=options.get("norms", ("global", "component", "layer")),
        scopes=options.get("scopes", ("dataset", "sample")),
        n_palettes=len(collect.offered_palettes(src, options.get("palettes"))),
    )  # fmt: skip
    written = seed.save_html(tmp_path / "p.html", **options).stat().st_size
    assert 0.75 < expected / written < 1.25
