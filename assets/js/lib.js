// The UI's one view library: Preact with hooks, written with htm's tagged
// templates so there is no build step. Pages import everything from here.
import { h, render, Fragment, createContext } from "../vendor/preact.mjs";
import htm from "../vendor/htm.mjs";

export { h, render, Fragment, createContext };
export {
  useState, useEffect, useRef, useMemo, useCallback, useContext, useReducer, useId, useLayoutEffect,
} from "../vendor/hooks.mjs";

/** html`<p>${x}</p>` builds Preact elements. */
export const html = htm.bind(h);
