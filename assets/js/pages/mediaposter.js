// Posters of Overseerr titles (search results, requests). The API answers
// posterUrl as the server's own TMDB image proxy (/api/v1/media/image?…),
// but the page's CSP allows images from our own origin only, so anything
// else (an absolute URL on another origin) is shown as a box with the
// title instead of an image the browser would block.
import { html, useState } from "../lib.js";

/** sameOrigin tells whether an image address is served by this origin. */
export function sameOrigin(src) {
  if (!src) return false;
  try {
    return new URL(src, document.baseURI).origin === location.origin;
  } catch {
    return false;
  }
}

/**
 * MediaPoster is a title's poster in a reserved 2:3 box, or the title in
 * that box when there is no usable image (or it fails to load).
 */
export function MediaPoster({ src, title, width = 150, height = 225, className = "poster" }) {
  const [broken, setBroken] = useState(false);
  if (!sameOrigin(src) || broken) {
    return html`<div class=${className + " poster-none poster-title"} aria-hidden="true"><span>${title}</span></div>`;
  }
  return html`<img class=${className} src=${src} width=${width} height=${height} alt="" loading="lazy"
    decoding="async" onError=${() => setBroken(true)} />`;
}
