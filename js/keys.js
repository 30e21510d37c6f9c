// The keys a widget keeps for itself. JupyterLab reads keys at the document in the capture
// phase (its shortcuts: Enter, digits, arrows), so keys meant for a widget stop at the
// window, before that: all keys typed in its inputs, and the arrows that scrub samples (and
// space, to play) when the widget itself has focus. composedPath, not event.target: inside a
// shadow root (marimo) the window sees the shadow host as the target.

/**
 * Listen for the widget's keys; returns a function that stops listening.
 * @param {HTMLElement} el the widget's root
 * @param {{step: (delta: number) => void, space?: () => void}} actions arrows step by ±1; space, if given
 * @returns {() => void}
 */
export function listenForKeys(el, { step, space }) {
  const onKey = (event) => {
    const path = event.composedPath();
    if (!path.includes(el)) return;
    const target = path[0];
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) {
      if (!(event.key === "Enter" && event.shiftKey) && event.key !== "Escape") event.stopPropagation();
      return;
    }
    const isSpace = event.key === " " && space && !(target instanceof HTMLButtonElement);
    const isArrow = event.key === "ArrowRight" || event.key === "ArrowLeft";
    if (!isSpace && !isArrow) return;
    event.preventDefault();
    event.stopPropagation();
    if (isSpace) space();
    else step(event.key === "ArrowRight" ? 1 : -1);
  };
  window.addEventListener("keydown", onKey, true);
  return () => window.removeEventListener("keydown", onKey, true);
}
