"""Animated exports (fcnn_widget/animation.py): every format decoded back and compared, frame
by frame, with ``save_png`` of the same state; the animated SVG played in Chromium."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fcnn_widget import FCNN, FCNNWidget, animation, export, pool, raster

WIDTH = 300
WHITE = "#ffffff"


@pytest.fixture(scope="module")
def widget():
    model = FCNN([3], dataset="prod", seed=0)
    model.fit(epochs=4, lr=0.05, batch_size=100)
    return FCNNWidget(model, sample=7, title="prod [3]")


def reference(w, tmp_path: Path, *, epoch=None, sample=None, background=WHITE) -> np.ndarray:
    """``save_png`` of the state (scale 1 at the animation's width), as RGBA."""
    if epoch is not None:
        w.epoch = epoch
    path = w.save_png(
        tmp_path / "ref.png", scale=1, sample=sample, width=WIDTH, background=background
    )
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA")).astype(int)


def frames_of(path: Path, mode="RGBA") -> tuple[list[np.ndarray], list[int], dict]:
    with Image.open(path) as im:
        out, durations = [], []
        for k in range(im.n_frames):
            im.seek(k)
            out.append(np.asarray(im.convert(mode)).astype(int))
            durations.append(im.info.get("duration"))
        return out, durations, dict(im.info)


def references(w, tmp_path, epochs):
    try:
        return [reference(w, tmp_path, epoch=e) for e in epochs]
    finally:
        w.epoch = w.epochs[-1]


def test_apng_frames_are_save_png_pixel_exact(widget, tmp_path):
    epochs = widget.epochs
    path = widget.save_animation(tmp_path / "fit.png", fps=5, width=WIDTH, progress=False)
    frames, durations, _ = frames_of(path)
    assert len(frames) == len(epochs)
    assert durations == [200] * len(epochs)
    for frame, ref in zip(frames, references(widget, tmp_path, epochs)):
        assert frame.shape == ref.shape
        assert np.array_equal(frame, ref)
    for a, b in zip(frames, frames[1:]):
        assert not np.array_equal(a, b)  # the values changed every epoch: so do the frames


def test_gif_one_palette_nearest_colours_and_steady_background(widget, tmp_path):
    epochs = [0, 2, 4]
    path = widget.save_animation(
        tmp_path / "fit.gif", epochs=epochs, fps=4, width=WIDTH, progress=False
    )
    frames, durations, info = frames_of(path, "RGB")
    assert len(frames) == 3 and durations == [250] * 3 and info.get("loop") == 0
    refs = [r[..., :3] for r in references(widget, tmp_path, epochs)]
    for frame, ref in zip(frames, refs):
        err = np.abs(frame - ref)
        assert err.mean() < 2.0  # palette error only
        # A colour the palette holds is drawn exactly wherever save_png has it.
        palette = np.unique(np.concatenate([f.reshape(-1, 3) for f in frames]), axis=0)
        key = lambda a: (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]  # noqa: E731
        held = np.isin(key(ref), key(palette))
        assert held.mean() > 0.8  # the rest: the plane's many shades (its share grows when narrow)
        assert np.array_equal(frame[held], ref[held])
    # One palette: what did not change keeps its colour exactly (no flicker).
    same = np.all(refs[0] == refs[1], axis=2) & np.all(refs[1] == refs[2], axis=2)
    assert same.mean() > 0.5
    for a, b in zip(frames, frames[1:]):
        assert np.array_equal(a[same], b[same])
        assert not np.array_equal(a, b)


def test_gif_plays_once_without_loop(widget, tmp_path):
    path = widget.save_animation(
        tmp_path / "once.gif", epochs=[0, 4], loop=False, width=WIDTH, progress=False
    )
    with Image.open(path) as im:
        assert "loop" not in im.info and im.n_frames == 2


def test_webp_palette_is_the_gifs_colours_lossless_is_exact_and_lossy_is_close(widget, tmp_path):
    epochs = [1, 3]
    refs = references(widget, tmp_path, epochs)
    exact = widget.save_animation(
        tmp_path / "a.webp", epochs=epochs, quality=None, width=WIDTH, progress=False
    )
    frames, durations, _ = frames_of(exact)
    assert durations == [100, 100]
    for frame, ref in zip(frames, refs):
        assert np.array_equal(frame, ref)
    # The default: every frame's colours exactly the GIF's (one palette), then lossless.
    paletted = widget.save_animation(
        tmp_path / "p.webp", epochs=epochs, width=WIDTH, progress=False
    )
    gif = widget.save_animation(tmp_path / "p.gif", epochs=epochs, width=WIDTH, progress=False)
    frames, _, _ = frames_of(paletted)
    gif_frames, _, _ = frames_of(gif, "RGB")
    assert len(frames) == len(gif_frames) == 2
    for frame, from_gif, ref in zip(frames, gif_frames, refs):
        assert np.array_equal(frame[..., :3], from_gif)
        assert (frame[..., 3] == 255).all()
        assert np.abs(frame - ref)[..., :3].mean() < 2.0  # palette error only
    assert not np.array_equal(frames[0], frames[1])
    lossy = widget.save_animation(
        tmp_path / "b.webp", epochs=epochs, quality=75, width=WIDTH, progress=False
    )
    frames, _, _ = frames_of(lossy)
    assert len(frames) == 2
    for k, frame in enumerate(frames):
        err = [np.abs(frame - r)[..., :3].mean() for r in refs]
        assert err[k] < 3.0 and err[k] < err[1 - k]  # close to its own state, not the other


def test_a_transparent_palette_webp_keeps_its_alpha(widget, tmp_path):
    path = widget.save_animation(
        tmp_path / "t.webp", epochs=[0, 4], background="transparent", width=WIDTH, progress=False
    )
    frames, _, _ = frames_of(path)
    ref = reference(widget, tmp_path, epoch=0, background="transparent")
    widget.epoch = widget.epochs[-1]
    assert np.array_equal(frames[0][..., 3], ref[..., 3])
    assert (frames[0][..., 3] == 0).any()
    # What a reader sees over any background: the colour times its alpha, palette error only.
    shown = lambda a: a[..., :3] * a[..., 3:] / 255  # noqa: E731
    assert np.abs(shown(frames[0]) - shown(ref)).mean() < 1.0


def test_samples_over_one_epoch(widget, tmp_path):
    samples = [0, 10, 20]
    path = widget.save_animation(
        tmp_path / "s.png", over="sample", samples=samples, width=WIDTH, progress=False
    )
    frames, _, _ = frames_of(path)
    assert len(frames) == 3
    for frame, s in zip(frames, samples):
        assert np.array_equal(frame, reference(widget, tmp_path, sample=s))


def test_video_mp4_and_webm_decode_close(widget, tmp_path):
    imageio = pytest.importorskip("imageio.v2")
    pytest.importorskip("imageio_ffmpeg")
    epochs = [0, 2, 4]
    refs = [r[..., :3] for r in references(widget, tmp_path, epochs)]
    for suffix in (".mp4", ".webm"):
        path = widget.save_animation(
            tmp_path / f"v{suffix}", epochs=epochs, fps=10, width=WIDTH, progress=False
        )
        frames = np.asarray(imageio.mimread(path, memtest=False)).astype(int)
        assert len(frames) == 3
        h, w = refs[0].shape[:2]
        for k, frame in enumerate(frames):
            err = [np.abs(frame[:h, :w] - r).mean() for r in refs]
            assert err[k] < 4.0 and err[k] == min(err), (suffix, k, err)


def test_video_without_the_extra_names_it(widget, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ffmpeg(name, *args, **kwargs):
        if name.startswith("imageio"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ffmpeg)
    with pytest.raises(ImportError, match=r"video.*fcnn-widget\[video\]"):
        widget.save_animation(tmp_path / "v.mp4", progress=False)
    assert not (tmp_path / "v.mp4").exists()


def test_animated_svg_structure(widget, tmp_path):
    epochs = widget.epochs
    path = widget.save_animation(tmp_path / "fit.svg", fps=2, width=WIDTH, progress=False)
    text = path.read_text()
    root = ET.fromstring(text)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    svgs = animation.frame_svgs(
        animation.plan(widget, epochs=epochs, dressing={"width": WIDTH, "background": WHITE})
    )
    # The geometry once: the data points are drawn once, not per frame.
    assert text.count('r="2.2"') == svgs[0].count('r="2.2"')
    # One estimate image per epoch (it changes every epoch), each shown in its own frame.
    assert len(root.findall(f".//{ns}image[@data-role='estimate']")) == len(epochs)
    assert f"{len(epochs) / 2:.4g}s step-end infinite" in text
    # Every neuron whose colour changes has keyframes holding each frame's fill.
    circle = next(
        c for c in root.iter(f"{ns}circle") if c.get("data-kind") == "a" and c.get("class")
    )
    rule = re.search(r"@keyframes " + circle.get("class") + r"\{(.*?)\}\}", text).group(1)
    fills = [
        re.search(
            f'<circle data-kind="a" data-layer="{circle.get("data-layer")}" '
            f'data-index="{circle.get("data-index")}"[^>]*fill="([^"]+)"',
            s,
        ).group(1)
        for s in svgs
    ]
    assert fills[0] in rule and fills[-1] in rule


def test_animated_svg_plays_in_chromium(widget, tmp_path, browser):
    epochs = widget.epochs
    path = widget.save_animation(tmp_path / "fit.svg", fps=2, width=WIDTH, progress=False)
    svgs = animation.frame_svgs(
        animation.plan(widget, epochs=epochs, dressing={"width": WIDTH, "background": WHITE})
    )
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri())
        page.wait_for_timeout(300)
        seen = page.evaluate(
            """() => {
              const c = [...document.querySelectorAll('circle[data-kind="a"][class]')][0];
              const out = {layer: c.dataset.layer, index: c.dataset.index, fills: []};
              for (const t of [250, 1750]) {  // inside frame 0 and frame 3 (2 fps: 500 ms each)
                for (const a of document.getAnimations()) { a.pause(); a.currentTime = t; }
                out.fills.push(getComputedStyle(c).fill);
              }
              return out;
            }"""
        )
        playing = page.evaluate("() => document.getAnimations().length")
    finally:
        page.close()
    assert playing > 10

    def rgb(hexcolour):
        h = hexcolour.lstrip("#")
        return f"rgb({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)})"

    want = []
    for k in (0, 3):
        m = re.search(
            f'<circle data-kind="a" data-layer="{seen["layer"]}" data-index="{seen["index"]}"'
            '[^>]*fill="(#[0-9a-f]{6})"',
            svgs[k],
        )
        want.append(rgb(m.group(1)))
    assert seen["fills"] == want
    assert want[0] != want[1]


def test_model_level_function_and_text_bar(tmp_path, capsys):
    model = FCNN([2], dataset="prod", seed=0)
    model.fit(epochs=2, lr=0.05)
    path = animation.save_animation(model, tmp_path / "m.gif", width=200)
    assert Image.open(path).n_frames == 3
    assert "rendering m.gif" in capsys.readouterr().err  # a script: a text bar on stderr


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"over": "epochs"}, r"over must be one of 'epoch', 'sample', got 'epochs'"),
        ({"fps": 0}, r"fps must be a number of frames per second in \(0, 100\]"),
        ({"fps": "fast"}, r"fps must be"),
        ({"epochs": [0, 99]}, r"epoch 99"),
        ({"epochs": []}, r"epochs is empty"),
        ({"epochs": 3}, r"epochs must be an iterable"),
        ({"samples": [1]}, r'samples= is for over="sample"'),
        ({"over": "sample", "samples": [10**6]}, r"sample 1000000 is out of range"),
        ({"width": -3}, r"width must be a positive finite number"),
        ({"loop": "yes"}, r"loop must be True"),
        ({"quality": 0}, r"quality must be 'palette' .*, None .* or an integer 1..100"),
        ({"quality": "best"}, r"quality must be 'palette'.*got 'best'"),
        ({"palette": "nope"}, r"unknown options palette"),
    ],
)
def test_bad_arguments_are_refused_before_work(widget, tmp_path, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        widget.save_animation(tmp_path / "x.gif", progress=False, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_bad_suffix_names_the_valid_ones(widget, tmp_path):
    with pytest.raises(ValueError, match=r"\.gif \(GIF\).*\.svg \(animated SVG\)"):
        widget.save_animation(tmp_path / "x.avi")


def test_too_large_is_refused_before_work(widget, tmp_path):
    from fcnn_widget import limits

    with pytest.raises(limits.TooLarge):
        widget.save_animation(tmp_path / "x.gif", width=40_000, progress=False)


def test_interrupt_leaves_no_file(widget, tmp_path):
    (tmp_path / "keep.gif").write_bytes(b"old")

    def interrupt(done):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        widget.save_animation(tmp_path / "keep.gif", width=WIDTH, progress=interrupt)
    assert (tmp_path / "keep.gif").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gif"]


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_an_interrupt_while_helpers_draw_stops_them_and_keeps_the_old_file(
    widget, tmp_path, monkeypatch, suffix
):
    monkeypatch.setattr(pool, "HELPERS", 2)
    started = []
    real = raster.Helper.__init__

    def spy(self):
        real(self)
        started.append(self)

    monkeypatch.setattr(raster.Helper, "__init__", spy)
    (tmp_path / f"keep{suffix}").write_bytes(b"old")

    def interrupt(done):
        if done == 14:  # the palette's frames read, the encoder under way
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        widget.save_animation(
            tmp_path / f"keep{suffix}", over="sample", samples=range(0, 400, 10),
            width=WIDTH, progress=interrupt,
        )  # fmt: skip
    assert (tmp_path / f"keep{suffix}").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"keep{suffix}"]
    assert len(started) == 2 and all(h.proc.poll() is not None for h in started)


def test_frames_drawn_by_helpers_are_the_frames_drawn_here(widget, tmp_path, monkeypatch):
    samples = range(0, 120, 10)
    monkeypatch.setattr(pool, "HELPERS", 2)
    with_helpers = widget.save_animation(
        tmp_path / "a.webp", over="sample", samples=samples, quality=None, width=WIDTH,
        progress=False,
    )  # fmt: skip
    monkeypatch.setattr(pool, "HELPERS", 0)
    alone = widget.save_animation(
        tmp_path / "b.webp", over="sample", samples=samples, quality=None, width=WIDTH,
        progress=False,
    )  # fmt: skip
    assert with_helpers.read_bytes() == alone.read_bytes()
    frames, _, _ = frames_of(with_helpers)
    assert len(frames) == len(samples)
    assert np.array_equal(frames[3], reference(widget, tmp_path, sample=30))


def test_page_bar_reports_frames(widget, tmp_path, monkeypatch):
    seen = []
    from fcnn_widget import hosts

    monkeypatch.setattr(hosts, "detect", lambda: hosts.Host("jupyter"))
    real = widget._push

    def push(values):
        if "_progress" in values:
            seen.append(dict(values["_progress"]))
        real(values)

    monkeypatch.setattr(widget, "_push", push)
    widget.save_animation(tmp_path / "p.gif", epochs=[0, 4], width=WIDTH)
    assert seen[0]["task"] == "rendering p.gif" and seen[0]["total"] == 2
    assert any(p["done"] == 2 and not p["running"] for p in seen)
    assert "task" not in seen[-1]  # the bar goes back to the training's state


def test_rasterise_is_save_png():
    model = FCNN([2], dataset="prod", seed=0)
    svg = export.to_svg(model, 3, width=WIDTH)
    png = export.svg_to_png(svg, scale=1)
    with Image.open(io.BytesIO(png)) as im:
        assert np.array_equal(np.asarray(im.convert("RGBA")), animation.rasterise(svg))


def test_a_large_saved_page_warns_with_its_size(tmp_path, monkeypatch):
    from fcnn_widget.standalone import page

    monkeypatch.setattr(page, "LARGE_PAGE_BYTES", 10_000)
    model = FCNN([2], dataset="prod", seed=0)
    with pytest.warns(
        UserWarning, match=r"writing a saved page of (about )?[\d.]+ (kB|MB) .*over 10 kB"
    ):
        FCNNWidget(model).save_html(tmp_path / "big.html", palettes=["viridis"])
    assert (tmp_path / "big.html").stat().st_size > 10_000


def test_points_markup_is_kept_per_palette_and_plane():
    from fcnn_widget import picture, settings
    from fcnn_widget.scene import build_scene

    model = FCNN([2], dataset="prod", seed=0)
    shown = build_scene(model, style=settings.make_style(palette="viridis"))
    first = picture.points_markup(shown)
    assert picture.points_markup(shown) is first  # kept
    other = build_scene(model, style=settings.make_style(palette="plasma"))
    assert picture.points_markup(other) != first  # another palette: other colours
    fresh = picture._points_markup(shown, picture.layout_of(shown).plane)
    assert fresh == first  # the kept markup is what drawing it afresh gives


def test_points_markup_is_kept_across_epochs(widget):
    """Every epoch's scene has arrays of its own; the points are kept by their content."""
    from fcnn_widget import picture

    p = animation.plan(widget, epochs=[0, 4])
    assert p.scenes[0].X is not p.scenes[1].X
    assert picture.points_markup(p.scenes[0]) is picture.points_markup(p.scenes[1])
