// The colour theme: the system's preference unless the user picked one,
// remembered in this browser.
import { Store } from "./store.js";

const KEY = "medianest.theme";
const saved = (() => {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
})();

/** "system", "light" or "dark". */
export const theme = new Store(saved === "light" || saved === "dark" ? saved : "system");

function apply(t) {
  if (t === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}
apply(theme.get());
theme.subscribe(apply);

/** toggleTheme flips between light and dark, starting from what is shown. */
export function toggleTheme() {
  const t = theme.get();
  const dark = t === "dark" || (t === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  const next = dark ? "light" : "dark";
  theme.set(next);
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}
