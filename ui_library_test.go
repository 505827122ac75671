package main

import (
	"fmt"
	"strings"
	"testing"
)

// uiPostersLoaded is a script answering how many posters of the main grid
// are in the viewport and which of those have not loaded an image (an
// image the browser could not fetch or decode has no natural width).
const uiPostersLoaded = `(() => {
	const shown = [...document.querySelectorAll('main ul img')].filter((img) => {
		const r = img.getBoundingClientRect();
		return r.bottom > 0 && r.top < innerHeight && r.width > 0;
	});
	return {shown: shown.length, missing: shown.filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.currentSrc || img.src)};
})()`

// waitPosters waits until the posters in the viewport have loaded, and
// that there are some.
func waitPosters(t *testing.T, p *uiPage, where string) {
	t.Helper()
	eventually(t, uiWait, "the posters of "+where+" load", func() (bool, string) {
		var got struct {
			Shown   int
			Missing []string
		}
		p.eval(uiPostersLoaded, &got)
		return got.Shown > 0 && len(got.Missing) == 0, fmt.Sprintf("%d shown, not loaded: %v", got.Shown, got.Missing)
	})
}

// TestUILibrary browses the seeded Plex library as the local user jane
// (local accounts browse with the server's token): the libraries, the
// Movies grid with its posters, paging, sorting, an item, the collections,
// one collection and the search; then every library page passes the
// quality gate on a phone and a desktop, light and dark.
func TestUILibrary(t *testing.T) {
	s := newUIServer(t)
	// Each browser lives in a subtest, so that it closes (with its event
	// stream) before the next opens.
	pages := []struct{ name, path, heading string }{
		{"library", "/library?q=Big", "Library"},
		{"library-section", "/library/1?page=2", "Movies"},
		{"library-collections", "/library/1?tab=collections", "Movies"},
		{"library-collection", "/library/1/collections/5001", "Blender Films"},
		{"library-item", "/library/1/items/101", "Big Buck Bunny"},
	}
	for _, v := range uiViewports {
		t.Run(v.String(), func(t *testing.T) {
			p := s.open(t, v.w, v.h, v.dark)
			p.signIn("jane", uiJanePassword)
			if v == uiViewports[len(uiViewports)-1] {
				uiBrowseLibrary(t, p)
			}
			for _, pg := range pages {
				p.goTo(pg.path)
				p.waitRole("heading", pg.heading)
				if pg.name != "library-item" {
					waitPosters(t, p, pg.path)
				}
				p.check(pg.name)
			}
		})
	}
}

// uiBrowseLibrary is the walk through the library of TestUILibrary, on a
// page signed in as jane.
func uiBrowseLibrary(t *testing.T, p *uiPage) {
	p.click("link", "Library")
	p.waitRole("heading", "Library")
	p.waitText("57 movies")
	p.waitRole("link", "TV Shows")

	p.click("link", "Movies")
	p.waitRole("heading", "Movies")
	p.waitText("57 items · page 1 of 2")
	p.waitRole("link", "Big Buck Bunny")
	waitPosters(t, p, "Movies, page 1")
	var src struct{ Src, Srcset string }
	p.eval(`(() => { const i = document.querySelector('main ul img'); return {src: i.getAttribute('src'), srcset: i.srcset}; })()`, &src)
	if !strings.Contains(src.Src, "/api/v1/plex/image?path=%2Flibrary%2F") || !strings.Contains(src.Src, "width=150&height=225") ||
		!strings.Contains(src.Srcset, "width=300&height=450 2x") {
		t.Errorf("poster src %q, srcset %q: want the image proxy at 150×225 and 300×450", src.Src, src.Srcset)
	}

	p.click("button", "Next")
	p.waitText("Page 2 of 2")
	p.waitRole("link", "Sintel")
	if u := p.url(); u != "/library/1?page=2" {
		t.Errorf("url after Next = %q, want /library/1?page=2", u)
	}
	waitPosters(t, p, "Movies, page 2")

	// Newest year first: the generated movies run from 1990 to 2024, and
	// "Movie 035" is the one of 2024. A new sort starts at page 1.
	p.selectOption("Sort by", "Year")
	p.waitText("57 items · page 1 of 2")
	if u := p.url(); u != "/library/1?sort=year%3Adesc" {
		t.Errorf("url after sorting = %q, want /library/1?sort=year%%3Adesc", u)
	}
	var first string
	eventually(t, uiWait, "Movie 035 comes first", func() (bool, string) {
		p.eval(`document.querySelector('main ul[aria-label="Movies, page 1"] a')?.textContent ?? ''`, &first)
		return first == "Movie 035", first
	})

	p.click("link", "Movie 035")
	p.waitRole("heading", "Movie 035")
	p.waitText("2 h 4 min")
	p.waitText("Comedy")
	p.waitText("A generated movie.")
	p.waitRole("image", "Poster of Movie 035")
	p.click("link", "Back to Movies")
	p.waitRole("heading", "Movies")

	p.click("link", "Collections")
	p.click("link", "Blender Films")
	p.waitRole("heading", "Blender Films")
	p.waitText("2 items")
	var order []string
	p.eval(`[...document.querySelectorAll('main ul li a')].map((a) => a.textContent)`, &order)
	if strings.Join(order, ",") != "Big Buck Bunny,Sintel" {
		t.Errorf("collection items %q, want Big Buck Bunny then Sintel", order)
	}
	waitPosters(t, p, "the collection")
	p.click("link", "Big Buck Bunny")
	p.waitRole("heading", "Big Buck Bunny")
	p.waitText("Sacha Goedegebure")
	p.waitText("10 min")

	p.click("link", "Library")
	p.waitRole("heading", "Library")
	p.fill("Search the library", "Sintel")
	p.waitRole("heading", "Results for “Sintel”")
	p.waitRole("link", "Sintel")
	if u := p.url(); u != "/library?q=Sintel" {
		t.Errorf("url after searching = %q, want /library?q=Sintel", u)
	}
	p.click("link", "Sintel")
	p.waitRole("heading", "Sintel")
	p.waitText("Colin Levy")

	// A show has its seasons.
	p.goTo("/library/2")
	p.click("link", "Example Show")
	p.waitRole("heading", "Seasons")
	p.waitText("Season 2: 3 episodes")
}

// TestUILibraryWithoutPlex shows the library pages with Plex not
// configured: each says so in the API's words, once, with a button to try
// again, and passes the quality gate.
func TestUILibraryWithoutPlex(t *testing.T) {
	s := newUIServer(t, withEnv("MEDIANEST_PLEX_URL", ""))
	p := s.open(t, 390, 844, false)
	p.signIn("jane", uiJanePassword)
	// No library call is made: each would answer 503, which the recorder
	// would report.
	for _, pg := range []struct{ name, path string }{{"library-no-plex", "/library"}, {"library-section-no-plex", "/library/1"}} {
		p.goTo(pg.path)
		p.waitText("Plex is not set up on this server, so there is no library to browse yet.")
		p.check(pg.name)
	}
}
