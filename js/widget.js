// fcnn-widget's front end: show the kernel-built picture, restyle it in the page when the
// sample or the epoch changes, follow training live, and sync the controls with the kernel.
import { buildPlayer } from "./player.js";
import { decodeLut, frameSource, readState, rowOf, timelineFits, timelineSource } from "./data.js";
import { indexPicture, recolour, restyle } from "./network.js";
import { eventToData, moveRing, nearestSample } from "./plane.js";
import { buildControls, buildEpochControl, buildTrainingBar } from "./controls.js";
import { attachTooltip } from "./tooltip.js";
import { buildToolbar, download } from "./toolbar.js";
import { describePoint, showRegionPattern } from "./analysis.js";
import { indexRegions, nearestSampleIn, outlineSample, patternText, regionAt } from "./regions.js";
import { followHostTheme } from "./theme.js";
import { fitPicture } from "./fit.js";
import { followWidth } from "./width.js";
import { curveAt, markDrawn } from "./population.js";
import { listenForKeys } from "./keys.js";

const DATA_KEYS = ["_svg", "_points", "_meta", "_values", "_targets", "_params", "_ranges", "_local", "_grid_local", "_region_ids", "_region_patterns", "_region_maps", "_epochs", "_history", "_window"];
// What a move of the kernel's window of samples changes: no new picture, only its data.
const WINDOW_KEYS = new Set(["_window", "_values", "_targets", "_ranges", "_local"]);
// The timeline follows the selected sample: new data, but the drawn picture stays.
const TIMELINE_KEYS = ["_timeline", "_timeline_sample"];
const EPOCH_SYNC_DELAY_MS = 120; // ask the kernel for a full frame once scrubbing pauses

/** Hosts without a kernel (a static page) may lack save_changes or send: keep working. */
function commit(model) {
  if (typeof model.save_changes === "function") {
    try { model.save_changes(); } catch (err) { console.warn("fcnn-widget: could not sync", err); }
  }
}
function send(model, message) {
  if (typeof model.send === "function") {
    try { model.send(message); } catch (err) { console.warn("fcnn-widget: could not send", err); }
  }
}

function nearestIndex(epochs, epoch) {
  let best = 0;
  for (let i = 0; i < epochs.length; i++) if (Math.abs(epochs[i] - epoch) < Math.abs(epochs[best] - epoch)) best = i;
  return best;
}

function render({ model, el }) {
  el.classList.add("fcnn-widget");
  el.tabIndex = 0;
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const stopFollowingTheme = followHostTheme(el);
  const figure = document.createElement("div");
  figure.className = "fcnn-figure";
  let state = readState(model);
  let sample = model.get("sample");
  let epochIndex = state.epochs.length - 1; // which timeline entry the page shows
  let source = null;
  let pic = null;
  let regions = null; // the exact regions' polygons, when the picture has them
  let epochTimer = null;
  // The epoch the page shows: the user's last pick, or the kernel's epoch trait. A frame the
  // kernel drew for an epoch the user has since left (a slow kernel answering an earlier
  // step of the slider) must not pull the page back to it.
  let wantedEpoch = model.get("epoch");

  const setTrait = (name, value) => { model.set(name, value); commit(model); };
  // A palette picked in the page: recolour at once where the picture allows it (the kernel's
  // picture, drawn the same, follows). Not when the ranges may change: a palette of the other
  // kind (diverging or not) may bring its own centring.
  const setSetting = (name, value) => {
    const luts = model.get("_luts") || {};
    const lut = luts[value], old = luts[model.get("palette")];
    const sameRanges = lut && old && lut.diverging === old.diverging;
    if (name === "palette" && pic && source && state.meta.recolourable && sameRanges) {
      recolour(pic, state, source, decodeLut(lut));
      el.dataset.recoloured = value;
    }
    setTrait(name, value);
  };
  const controls = buildControls(model, { onSample: (s) => { show(s, epochIndex); setTrait("sample", s); }, onSet: setSetting });
  // The kernel packs the epoch timeline only once the page scrubs epochs: ask on first use.
  let asked = "";
  const askForTimeline = () => {
    const key = `${sample}:${state.epochs.length}`;
    if (!timelineFits(state, sample) && asked !== key) { asked = key; send(model, { type: "timeline" }); }
  };
  const epochControl = buildEpochControl({
    onEpoch: (index) => {
      askForTimeline();
      wantedEpoch = state.epochs[index];
      show(sample, index);
      clearTimeout(epochTimer);
      epochTimer = setTimeout(() => setTrait("epoch", state.epochs[index]), EPOCH_SYNC_DELAY_MS);
    },
  });
  // A saved page (no kernel) holds the epochs of one sample only: elsewhere the control is
  // disabled, with a note that says why, and shows the epoch the picture shows.
  const offline = model.kernel === false;
  const epochSlider = epochControl.bar.querySelector('[data-control="epoch-slider"]');
  const epochNote = document.createElement("span");
  epochNote.className = "fcnn-hint";
  epochNote.dataset.control = "epoch-note";
  epochNote.hidden = true;
  epochControl.bar.appendChild(epochNote);
  const training = buildTrainingBar({ onStop: () => send(model, { type: "stop" }) });
  controls.bar.appendChild(epochControl.bar);
  // Play samples or epochs in the page (js/player.js): each step is a local restyle.
  const sampleRange = () => state.meta.sample_limits || [0, state.meta.n_samples - 1];
  const player = buildPlayer({
    frames: (over) => {
      if (over === "sample") { const [lo, hi] = sampleRange(); return { at: sample - lo, count: hi - lo + 1 }; }
      askForTimeline();
      return timelineFits(state, sample) && state.epochs.length > 1 ? { at: Math.max(0, epochIndex), count: state.epochs.length } : null;
    },
    go: (over, i) => {
      if (over === "epoch") { wantedEpoch = state.epochs[i]; show(sample, i); return; }
      const s = sampleRange()[0] + i;
      show(s, epochIndex);
      if (rowOf(state, s) < 0) setTrait("sample", s); // outside the page's window: the kernel moves it
    },
    done: (over) => (over === "sample" ? setTrait("sample", sample) : epochIndex >= 0 && setTrait("epoch", state.epochs[epochIndex])),
  });
  controls.bar.appendChild(player.bar);
  // ⤓ GIF: the kernel renders what the player would play (save_animation), the page downloads it.
  const record = document.createElement("button");
  record.dataset.control = "record";
  record.textContent = "⤓ GIF";
  record.title = "render this animation in the kernel (save_animation) and download it as a GIF";
  record.hidden = offline;
  record.addEventListener("click", () => {
    record.disabled = true;
    send(model, { type: "animate", over: player.over(), fps: player.fps(), loop: player.loop(), format: "gif" });
  });
  player.bar.appendChild(record);
  const onCustom = (msg, buffers) => {
    if (!msg || msg.type !== "animation") return;
    record.disabled = false;
    record.title = msg.error ? `could not render: ${msg.error}` : "render this animation in the kernel (save_animation) and download it as a GIF";
    if (!msg.error && buffers && buffers[0]) download(new Blob([buffers[0]], { type: "image/gif" }), msg.name);
  };
  model.on("msg:custom", onCustom);
  const pauseOnTouch = (event) => { if (!player.bar.contains(event.target)) player.pause(); };
  for (const type of ["pointerdown", "keydown", "input"]) controls.bar.addEventListener(type, pauseOnTouch, true);
  controls.bar.appendChild(buildToolbar({ picture: () => figure.querySelector("svg"), name: () => `fcnn-sample${sample}` }).bar);
  el.replaceChildren(controls.bar, training.bar, training.error, figure);
  const stopFitting = fitPicture(el, figure);
  const stopFollowingWidth = followWidth(figure, (width) => setTrait("_page_width", width));

  /** Show a sample at a timeline entry: from the frame if it is that epoch, else the timeline. */
  function show(s, index) {
    sample = Math.max(0, Math.min(state.meta.n_samples - 1, s));
    // index < 0: the frame's epoch, which may not be among the slider's (thinned) epochs.
    epochIndex = index < 0 ? -1 : Math.min(state.epochs.length - 1, index);
    const epoch = epochIndex < 0 ? state.meta.epoch : state.epochs[epochIndex];
    const fromFrame = epoch === state.meta.epoch || !timelineFits(state, sample);
    // A sample outside the page's window of samples: the kernel is sending the window that
    // holds it (it moves the window when the sample trait changes). Dim the picture until then.
    const waiting = fromFrame && rowOf(state, sample) < 0;
    el.classList.toggle("fcnn-waiting", waiting);
    el.dataset.waiting = waiting ? "1" : "";
    controls.showSample(sample);
    el.dataset.sample = String(sample);
    if (waiting) return;
    source = fromFrame ? frameSource(state, sample) : timelineSource(state, sample, epochIndex);
    if (pic) {
      restyle(pic, state, source, !fromFrame);
      moveRing(pic.svg, state, sample);
      if (regions) outlineSample(regions, state, sample);
    }
    // The slider stays where the user put it, also while the timeline is on its way.
    const scrubbable = !offline || timelineFits(state, sample);
    const at = epochIndex >= 0 && scrubbable ? epochIndex : nearestIndex(state.epochs, source.epoch);
    epochControl.show(at, state.epochs);
    epochSlider.disabled = !scrubbable;
    epochNote.hidden = scrubbable;
    epochNote.textContent = scrubbable ? "" : `saved for sample ${state.timelineSample} only`;
    epochSlider.title = scrubbable ? "" : `This saved page holds the epochs of sample ${state.timelineSample} only`;
    el.dataset.epoch = String(source.epoch);
  }

  function draw() {
    state = readState(model);
    figure.innerHTML = model.get("_svg");
    const svg = figure.querySelector("svg");
    const points = svg && svg.querySelector('g[data-role="points"]');
    if (points) points.innerHTML = model.get("_points");
    pic = svg ? indexPicture(svg) : null;
    regions = svg ? indexRegions(svg) : null;
    controls.showSettings();
    const wanted = state.epochs.indexOf(wantedEpoch);
    show(sample, wanted >= 0 ? wanted : state.epochs.indexOf(state.meta.epoch));
  }

  // Several traits change together when the kernel updates: redraw once for all of them
  // (only restyle the picture when the kernel just moved the window of samples).
  let changed = new Set();
  const scheduleDraw = (key) => {
    if (changed.size === 0) {
      queueMicrotask(() => {
        const keys = [...changed];
        changed = new Set();
        if (pic && keys.every((k) => WINDOW_KEYS.has(k))) {
          state = readState(model);
          show(sample, epochIndex);
        } else draw();
      });
    }
    changed.add(key);
  };
  const onData = Object.fromEntries(DATA_KEYS.map((key) => [key, () => scheduleDraw(key)]));
  const onTimeline = () => { state = readState(model); if (epochIndex >= 0) show(sample, epochIndex); };
  const onSampleTrait = () => { if (model.get("sample") !== sample) show(model.get("sample"), epochIndex); };
  // The figure preset: the picture alone (widget.css hides the controls), for print.
  const onPreset = () => el.classList.toggle("fcnn-as-figure", model.get("preset") === "figure");
  onPreset();
  const onSettings = () => { controls.showSettings(); onPreset(); };
  const onEpochTrait = () => { wantedEpoch = model.get("epoch"); };
  const onProgress = () => training.show(model.get("_progress"));
  for (const key of DATA_KEYS) model.on(`change:${key}`, onData[key]);
  for (const key of TIMELINE_KEYS) model.on(`change:${key}`, onTimeline);
  // The settings the page shows: one per row of the kernel's table, and the palettes offered.
  const settingKeys = [...controls.keys, "_palettes", "preset"];
  for (const key of settingKeys) model.on(`change:${key}`, onSettings);
  model.on("change:sample", onSampleTrait);
  model.on("change:epoch", onEpochTrait);
  model.on("change:_progress", onProgress);

  const selectSample = (s) => { show(s, epochIndex); setTrait("sample", s); };
  // A population's chart: a click on a member's curve draws that member (the kernel's trait).
  const picksMembers = () => !offline && model.get("member") !== undefined;
  el.classList.toggle("fcnn-picks-members", picksMembers());
  const onClick = (event) => {
    player.pause();
    if (!pic) return;
    const curve = curveAt(pic.svg, event);
    if (curve) {
      if (picksMembers()) { markDrawn(pic.svg, Number(curve.dataset.member)); setTrait("member", Number(curve.dataset.member)); }
      return;
    }
    const point = eventToData(pic.svg, state, event);
    if (!point) return;
    // The nearest of all samples: the page's own when it holds them all (or is a saved page,
    // which offers only those), else the kernel's pick, which moves the window to it.
    // Inside an exact region: the nearest sample in that region, if it holds any.
    const all = state.window[1] >= state.meta.n_samples || state.meta.sample_limits;
    const region = regions ? regionAt(regions, pic.svg, event) : -1;
    const inRegion = region >= 0 && all ? nearestSampleIn(regions, state, region, point) : -1;
    if (inRegion >= 0) selectSample(inRegion);
    else if (all) selectSample(nearestSample(state, point));
    else send(model, region >= 0 ? { type: "pick", point, region } : { type: "pick", point });
  };
  figure.addEventListener("click", onClick);
  const stopKeys = listenForKeys(el, {
    step: (delta) => { player.pause(); controls.step(delta); },
    space: () => player.toggle(),
  });
  // Hovering the plane shows that point's activation pattern on the network; leaving it
  // brings back the selected sample's.
  let patternShown = false;
  const describeAt = (event) => {
    const point = pic && eventToData(pic.svg, state, event);
    const region = point && regions ? regionAt(regions, pic.svg, event) : -1;
    if (point) patternShown = showRegionPattern(pic.analysis, state, point, region) || patternShown;
    else if (patternShown) { patternShown = false; show(sample, epochIndex); }
    if (!point) {
      const curve = pic && curveAt(pic.svg, event);
      const hint = curve && curve.dataset.drawn === "1" ? " (drawn)" : picksMembers() ? " (click to draw it)" : "";
      return curve ? curve.dataset.label + hint : null;
    }
    return describePoint(state, point, region, region >= 0 ? patternText(state, region) : "");
  };
  const onLeave = () => { if (patternShown) { patternShown = false; show(sample, epochIndex); } };
  figure.addEventListener("mouseleave", onLeave);
  const dropTooltip = attachTooltip(el, figure, () => state, () => source, describeAt);
  draw();
  onProgress();

  return () => {
    clearTimeout(epochTimer);
    player.cancel();
    model.off("msg:custom", onCustom);
    for (const key of DATA_KEYS) model.off(`change:${key}`, onData[key]);
    for (const key of TIMELINE_KEYS) model.off(`change:${key}`, onTimeline);
    for (const key of settingKeys) model.off(`change:${key}`, onSettings);
    model.off("change:sample", onSampleTrait);
    model.off("change:epoch", onEpochTrait);
    model.off("change:_progress", onProgress);
    figure.removeEventListener("click", onClick);
    figure.removeEventListener("mouseleave", onLeave);
    stopKeys();
    dropTooltip();
    stopFollowingTheme();
    stopFitting();
    stopFollowingWidth();
  };
}

export default { render };
