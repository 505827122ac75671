// Library: the Plex libraries the user can see, a section's items (paged,
// sorted, or its collections), one collection, one item, and a search over
// every library. All of it comes from GET /api/v1/plex/…, which answers 503
// when Plex is not configured or down: that is said in words, with a retry
// button, never retried in a loop.
import { get } from "../api.js";
import { html, useEffect, useRef, useState } from "../lib.js";
import { Link, setQuery } from "../router.js";
import { Async, Empty, ErrorBox, Loading, Page, Pager, Poster, useAsync, useDebounced } from "../ui.js";

/** How many items a section page shows. */
const PAGE_SIZE = 36;

/** The sorts of GET /plex/libraries/{key}/items, as the select offers them. */
const SORTS = [
  ["titleSort", "Title"],
  ["addedAt:desc", "Recently added"],
  ["year:desc", "Year"],
];

/** What a library of each type counts: "57 movies", "1 show". */
const COUNT_WORDS = { movie: ["movie", "movies"], show: ["show", "shows"], artist: ["artist", "artists"], photo: ["photo", "photos"] };

function countWords(type, n) {
  const [one, many] = COUNT_WORDS[type] || ["item", "items"];
  return `${n} ${n === 1 ? one : many}`;
}

/** PlexError says why the library cannot be shown, in the API's words. */
function PlexError({ error, onRetry }) {
  if (!error) return null;
  if (error.status === 503) {
    return html`<div class="error" role="alert">
      <p><strong>The Plex library is not available right now.</strong> ${error.message}</p>
      <button type="button" class="btn" onClick=${onRetry}>Try again</button>
    </div>`;
  }
  return html`<${ErrorBox} error=${error} onRetry=${onRetry} />`;
}

/** PlexAsync is Async with PlexError for the error states. */
function PlexAsync({ state, empty, label, children }) {
  if (state.error && state.data === undefined) return html`<${PlexError} error=${state.error} onRetry=${state.reload} />`;
  if (state.data === undefined) return html`<${Loading} label=${label} />`;
  return html`${state.error && html`<${PlexError} error=${state.error} onRetry=${state.reload} />`}
    <${Async} state=${{ ...state, error: null }} empty=${empty}>${children}<//>`;
}

/** useLibraries loads the caller's libraries (the server caches them). */
function useLibraries() {
  return useAsync((signal) => get("/plex/libraries", null, { signal }), []);
}

/** ItemTile is one poster with its title and year, linking to the item. */
function ItemTile({ item, section }) {
  const key = section || item.librarySectionId;
  const sub = [item.parentTitle, item.year].filter(Boolean).join(" · ");
  return html`<li class="tile lib-tile">
    <${Poster} src=${item.thumbUrl} alt="" />
    <${Link} to=${`/library/${encodeURIComponent(key)}/items/${encodeURIComponent(item.ratingKey)}`} class="tile-title">${item.title}<//>
    ${sub && html`<span class="muted">${sub}</span>`}
  </li>`;
}

function ItemGrid({ items, section, label }) {
  return html`<ul class="grid lib-grid" aria-label=${label}>
    ${items.map((it) => html`<${ItemTile} key=${it.ratingKey} item=${it} section=${section} />`)}
  </ul>`;
}

function LibrariesView({ query }) {
  const libs = useLibraries();
  const q = query.get("q") || "";
  return html`<${Page} title="Library">
    <${LibrarySearch} q=${q} />
    ${q.trim() && html`<${SearchResults} q=${q.trim()} />`}
    <h2>Libraries</h2>
    <${PlexAsync} state=${libs} label="Loading the libraries…" empty="No library is shared with you yet. Ask the Plex server's owner to share one.">
      ${(list) => html`<ul class="cards lib-list">
        ${list.map((l) => html`<li key=${l.key} class="card lib-card">
          <${Link} to=${`/library/${encodeURIComponent(l.key)}`} class="tile-title">${l.title}<//>
          <span class="muted">${countWords(l.type, l.itemCount)}</span>
        </li>`)}
      </ul>`}
    <//>
  <//>`;
}

/**
 * LibrarySearch is the search box: what is typed goes into ?q= once the
 * typing pauses (replacing the history entry, so Back leaves the page).
 */
function LibrarySearch({ q }) {
  const [text, setText] = useState(q);
  const typed = useDebounced(text, 350);
  // The last ?q= this box put in the URL: a different one came from
  // elsewhere (Back, a link) and replaces the text, but our own must not,
  // or it would undo what was typed since.
  const pushed = useRef(q);
  const push = (v) => {
    pushed.current = v;
    setQuery({ q: v || null }, { replace: true });
  };
  useEffect(() => {
    if (typed.trim() !== q.trim()) push(typed.trim());
  }, [typed]);
  useEffect(() => {
    if (q !== pushed.current) {
      pushed.current = q;
      setText(q);
    }
  }, [q]);
  return html`<form role="search" class="filters lib-search" onSubmit=${(e) => {
    e.preventDefault();
    push(text.trim());
  }}>
    <label>Search the library
      <input type="search" name="q" value=${text} autocomplete="off" onInput=${(e) => setText(e.currentTarget.value)} />
    </label>
  </form>`;
}

function SearchResults({ q }) {
  const res = useAsync((signal) => get("/plex/search", { query: q, limit: 40 }, { signal }), [q]);
  return html`<section aria-labelledby="lib-results">
    <h2 id="lib-results">Results for “${q}”</h2>
    <${PlexAsync} state=${res} label="Searching…" empty=${`Nothing in your libraries matches “${q}”.`}>
      ${(items) => html`<${ItemGrid} items=${items} label=${`Results for ${q}`} />`}
    <//>
  </section>`;
}

/** useSectionInfo finds one library by key among the caller's libraries. */
function useSectionInfo(key) {
  const libs = useLibraries();
  const info = libs.data?.find((l) => l.key === key);
  return { libs, info, title: info?.title || "Library" };
}

function SectionNav({ section, tab }) {
  const base = `/library/${encodeURIComponent(section)}`;
  return html`<nav class="sub-nav" aria-label="Library views">
    <ul>
      <li><${Link} to=${base} aria-current=${tab === "items" ? "page" : undefined}>Items<//></li>
      <li><${Link} to=${base + "?tab=collections"} aria-current=${tab === "collections" ? "page" : undefined}>Collections<//></li>
    </ul>
  </nav>`;
}

function SectionView({ params, query }) {
  const { section } = params;
  const { libs, info, title } = useSectionInfo(section);
  const tab = query.get("tab") === "collections" ? "collections" : "items";
  return html`<${Page} title=${title}>
    <p><${Link} to="/library">All libraries<//></p>
    ${libs.data && !info && html`<p class="info">This library is not among the libraries shared with you.</p>`}
    <${SectionNav} section=${section} tab=${tab} />
    ${tab === "collections" ? html`<${Collections} section=${section} />` : html`<${Items} section=${section} query=${query} title=${title} />`}
  <//>`;
}

function Items({ section, query, title }) {
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const sortParam = query.get("sort");
  const sort = SORTS.some(([v]) => v === sortParam) ? sortParam : "titleSort";
  const items = useAsync(
    (signal) => get(`/plex/libraries/${encodeURIComponent(section)}/items`, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE, sort }, { signal }),
    [section, page, sort],
  );
  const total = items.meta?.total ?? 0;
  const meta = items.meta && { page, totalPages: Math.max(1, Math.ceil(total / PAGE_SIZE)), total };
  return html`
    <div class="filters">
      <label>Sort by
        <select value=${sort} onChange=${(e) => setQuery({ sort: e.currentTarget.value === "titleSort" ? null : e.currentTarget.value, page: null })}>
          ${SORTS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
        </select>
      </label>
      ${items.meta && html`<p class="muted lib-count" role="status">${total === 1 ? "1 item" : `${total} items`}${meta.totalPages > 1 ? ` · page ${page} of ${meta.totalPages}` : ""}</p>`}
    </div>
    <${PlexAsync} state=${items} label="Loading the items…"
      empty=${page > 1 ? html`There is no page ${page} here. <${Link} to=${`/library/${encodeURIComponent(section)}`}>Go to the first page<//>.` : "This library has no items yet."}>
      ${(list) => html`<${ItemGrid} items=${list} section=${section} label=${`${title}, page ${page}`} />
        <${Pager} meta=${meta} label="Pages of the library" onPage=${(n) => setQuery({ page: n > 1 ? n : null })} />`}
    <//>`;
}

function Collections({ section }) {
  const cols = useAsync((signal) => get(`/plex/libraries/${encodeURIComponent(section)}/collections`, null, { signal }), [section]);
  return html`<${PlexAsync} state=${cols} label="Loading the collections…" empty="This library has no collections.">
    ${(list) => html`<ul class="grid lib-grid" aria-label="Collections">
      ${list.map((c) => html`<li key=${c.ratingKey} class="tile lib-tile">
        <${Poster} src=${c.thumbUrl} alt="" />
        <${Link} to=${`/library/${encodeURIComponent(section)}/collections/${encodeURIComponent(c.ratingKey)}`} class="tile-title">${c.title}<//>
        <span class="muted">${c.childCount === 1 ? "1 item" : `${c.childCount} items`}</span>
      </li>`)}
    </ul>`}
  <//>`;
}

function CollectionView({ params }) {
  const { section, ratingKey } = params;
  const { title: sectionTitle } = useSectionInfo(section);
  const col = useAsync((signal) => get(`/plex/collections/${encodeURIComponent(ratingKey)}`, null, { signal }), [ratingKey]);
  const title = col.data?.collection?.title || "Collection";
  return html`<${Page} title=${title}>
    <p><${Link} to=${`/library/${encodeURIComponent(section)}?tab=collections`}>Back to the collections of ${sectionTitle}<//></p>
    <${PlexAsync} state=${col} label="Loading the collection…">
      ${(c) => c.items.length === 0
        ? html`<${Empty}>This collection is empty.<//>`
        : html`<p class="muted">${c.items.length === 1 ? "1 item" : `${c.items.length} items`}</p>
          <${ItemGrid} items=${c.items} section=${section} label=${c.collection.title} />`}
    <//>
  <//>`;
}

/** minutes says a running time in words: 5760000 → "1 h 36 min". */
function minutes(ms) {
  if (!ms) return "";
  const m = Math.round(ms / 60000);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

function ItemView({ params }) {
  const { section, ratingKey } = params;
  const { title: sectionTitle } = useSectionInfo(section);
  const item = useAsync((signal) => get(`/plex/items/${encodeURIComponent(ratingKey)}`, null, { signal }), [ratingKey]);
  const it = item.data;
  return html`<${Page} title=${it?.title || "Item"}>
    <p><${Link} to=${`/library/${encodeURIComponent(section)}`}>Back to ${sectionTitle}<//></p>
    <${PlexAsync} state=${item} label="Loading the item…">
      ${(it) => html`<div class="lib-detail">
        <${Poster} src=${it.thumbUrl} alt=${`Poster of ${it.title}`} width=${200} height=${300} className="poster lib-detail-poster" />
        <div class="stack">
          ${it.parentTitle && html`<p class="muted lib-parent">${it.parentTitle}</p>`}
          <dl class="kv">
            ${it.year && html`<dt>Year</dt><dd>${it.year}</dd>`}
            ${it.durationMs > 0 && html`<dt>Running time</dt><dd>${minutes(it.durationMs)}</dd>`}
            ${it.genres?.length > 0 && html`<dt>Genres</dt><dd>${it.genres.join(", ")}</dd>`}
            ${it.directors?.length > 0 && html`<dt>${it.directors.length === 1 ? "Director" : "Directors"}</dt><dd>${it.directors.join(", ")}</dd>`}
          </dl>
          ${it.summary ? html`<p>${it.summary}</p>` : html`<p class="muted">No summary.</p>`}
          ${it.seasons?.length > 0 && html`<section aria-labelledby="lib-seasons">
            <h2 id="lib-seasons">Seasons</h2>
            <ul class="list">
              ${it.seasons.map((s) => html`<li key=${s.ratingKey}>${s.title}: ${s.episodeCount === 1 ? "1 episode" : `${s.episodeCount} episodes`}</li>`)}
            </ul>
          </section>`}
        </div>
      </div>`}
    <//>
  <//>`;
}

/**
 * PlexGate shows a view only when Plex is set up: on a server without it,
 * every library call would answer 503, so the page says so instead of
 * asking. While Plex is merely down, the view shows the API's words.
 */
function PlexGate({ title, children }) {
  const st = useAsync((signal) => get("/dashboard/status/plex", null, { signal }), []);
  if (st.data === undefined && !st.error) return html`<${Page} title=${title}><${Loading} /><//>`;
  if (st.data?.status === "disabled") {
    return html`<${Page} title=${title}><div class="info"><p>Plex is not set up on this server, so there is no library to browse yet. An admin can add it under Admin → Services.</p></div><//>`;
  }
  return children;
}

export const Libraries = (props) => html`<${PlexGate} title="Library"><${LibrariesView} ...${props} /><//>`;
export const Section = (props) => html`<${PlexGate} title="Library"><${SectionView} ...${props} /><//>`;
export const Collection = (props) => html`<${PlexGate} title="Collection"><${CollectionView} ...${props} /><//>`;
export const Item = (props) => html`<${PlexGate} title="Library"><${ItemView} ...${props} /><//>`;
