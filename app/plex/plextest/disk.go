package plextest

import (
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// videoExts are the files a scan of a mapped folder picks up.
var videoExts = map[string]bool{".mp4": true, ".mkv": true, ".webm": true, ".m4a": true}

// diskMap is one MapDisk call: the folder Plex sees as plex is localDir here.
type diskMap struct{ plex, local string }

// MapDisk makes scans see real files: the folder the server sees as
// plexPrefix is localDir on this machine. After a refresh of a path under
// plexPrefix (or of a whole section whose location holds or lies under
// plexPrefix) the fake walks the matching local folder and adds a movie for
// every video file (.mp4 .mkv .webm .m4a) it does not know yet, titled by the
// file name, with Part.file the path as the server sees it. Files outside
// the refreshed section's locations are skipped, as PMS skips them. So a test
// can write a file where the code under test downloads to, have it ask for a
// scan, and see the file "appear in Plex".
func (f *PMS) MapDisk(plexPrefix, localDir string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disks = append(f.disks, diskMap{plex: cleanPlex(plexPrefix), local: localDir})
}

func cleanPlex(p string) string { return path.Clean("/" + strings.TrimPrefix(p, "/")) }

// under reports whether p is dir or lies inside it, by whole path elements.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// scanDisk adds the new video files of the mapped folders that a refresh of
// section s at dir ("" = all of it) covers; callers hold f.mu.
func (f *PMS) scanDisk(s *Section, dir string) {
	if len(f.disks) == 0 {
		return
	}
	roots := []string{dir}
	if dir == "" {
		roots = s.Locations
	}
	known := map[string]bool{}
	for _, it := range f.items {
		if it.File != "" {
			known[it.File] = true
		}
	}
	for _, root := range roots {
		root = cleanPlex(root)
		for _, m := range f.disks {
			local, plexRoot := "", ""
			switch {
			case under(root, m.plex):
				local, plexRoot = filepath.Join(m.local, filepath.FromSlash(strings.TrimPrefix(root, m.plex))), root
			case under(m.plex, root):
				local, plexRoot = m.local, m.plex
			default:
				continue
			}
			_ = filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !d.Type().IsRegular() || !videoExts[strings.ToLower(filepath.Ext(p))] {
					return nil
				}
				rel, err := filepath.Rel(local, p)
				if err != nil {
					return nil
				}
				file := path.Join(plexRoot, filepath.ToSlash(rel))
				if known[file] || !f.inLocation(s, file) {
					return nil
				}
				known[file] = true
				name := d.Name()
				f.addItem(Item{Type: "movie", Title: strings.TrimSuffix(name, filepath.Ext(name)), SectionKey: s.Key, File: file})
				return nil
			})
		}
	}
}

// inLocation reports whether file lies in one of s's locations.
func (f *PMS) inLocation(s *Section, file string) bool {
	for _, l := range s.Locations {
		if under(file, cleanPlex(l)) {
			return true
		}
	}
	return false
}
