// Play: step through samples or epochs at a chosen speed, entirely in the page. Each step
// is the same local restyle as a scrub (no kernel round trip per frame); the kernel hears
// where play stopped once it pauses. Any touch of another control pauses it.

export const DEFAULT_FPS = 8;
export const MAX_FPS = 60;
export const MAX_CATCH_UP = 4; // steps taken at once when a busy page falls behind

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

/**
 * The play group: ▶/⏸, what to play (samples or epochs), frames per second and loop.
 * `frames(over)` gives `{ at, count }` (the shown position and how many there are) or null
 * when that cannot play now; `go(over, index)` shows a position; `done(over)` tells the
 * kernel where play stopped.
 * @param {{frames: (over: string) => ({at: number, count: number} | null), go: (over: string, index: number) => void, done: (over: string) => void}} hooks
 */
export function buildPlayer({ frames, go, done }) {
  const button = el("button", { "data-control": "play", title: "play / pause (space)", "aria-label": "play" }, "▶ play");
  const over = el("select", { "data-control": "play-over", "aria-label": "play over" });
  for (const o of ["sample", "epoch"]) over.appendChild(el("option", { value: o }, o + "s"));
  const fps = el("input", { type: "number", min: "1", max: String(MAX_FPS), step: "1", value: String(DEFAULT_FPS), "data-control": "play-fps", "aria-label": "frames per second" });
  const loop = el("input", { type: "checkbox", "data-control": "play-loop" });
  loop.checked = true;
  const loopLabel = el("label", { class: "fcnn-check" });
  loopLabel.append(loop, document.createTextNode(" loop"));
  const fpsLabel = el("label", { class: "fcnn-check" });
  fpsLabel.append(fps, document.createTextNode(" fps"));
  const bar = el("span", { class: "fcnn-group fcnn-play" });
  bar.append(el("span", {}, "play"), button, over, fpsLabel, loopLabel);

  let timer = 0;
  let last = 0;
  let owed = 0;
  const rate = () => Math.max(1, Math.min(MAX_FPS, Number(fps.value) || DEFAULT_FPS));
  const playing = () => timer !== 0;

  function show() {
    button.textContent = playing() ? "⏸ pause" : "▶ play";
    button.setAttribute("aria-label", playing() ? "pause" : "play");
    bar.dataset.playing = String(playing());
  }
  function tick(now) {
    timer = requestAnimationFrame(tick);
    owed += ((now - last) / 1000) * rate();
    last = now;
    if (owed < 1) return;
    const steps = Math.min(MAX_CATCH_UP, Math.floor(owed));
    owed -= Math.floor(owed);
    const f = frames(over.value);
    if (!f) return; // not ready yet (the timeline is on its way): wait
    let next = f.at + steps;
    if (next >= f.count) {
      if (!loop.checked) { go(over.value, f.count - 1); pause(); return; }
      next = next % f.count;
    }
    go(over.value, next);
  }
  function play() {
    if (playing()) return;
    const f = frames(over.value);
    if (f && f.at >= f.count - 1 && !loop.checked) go(over.value, 0); // replay from the start
    last = performance.now();
    owed = 0;
    timer = requestAnimationFrame(tick);
    show();
  }
  function pause() {
    if (!playing()) return;
    cancelAnimationFrame(timer);
    timer = 0;
    show();
    done(over.value);
  }
  const toggle = () => (playing() ? pause() : play());
  button.addEventListener("click", toggle);
  over.addEventListener("change", () => { if (playing()) { pause(); play(); } });
  show();
  const cancel = () => { cancelAnimationFrame(timer); timer = 0; };
  return { bar, play, pause, toggle, playing, cancel, over: () => over.value, fps: rate, loop: () => loop.checked };
}
