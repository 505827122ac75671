package doctor

import (
	"fmt"
	"strings"
	"testing"
)

// escapeMount writes a path the way the kernel does in mountinfo: space,
// tab, newline and backslash as three-digit octal.
func escapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\':
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzParseMountinfo: any line parses without a panic; a line the kernel
// could have written (the mount point escaped, the type a single field)
// gives back that mount point and type exactly.
func FuzzParseMountinfo(f *testing.F) {
	for _, l := range strings.Split(mountinfo, "\n") {
		f.Add(l, "/mnt/a b", "ext4")
	}
	f.Add("", "/", "nfs4")
	f.Add(" - ", `/odd\040name`, "fuse.sshfs")
	f.Add("1 2 3 4 - x", "/tab\there", "cifs")
	f.Add(`22 1 8:1 / /x\04 rw - ext4 /dev/sda1 rw`, "/new\nline", "9p")
	f.Add(`22 1 8:1 / /x\777 rw - ext4 /dev/sda1 rw`, "/a - b", "xfs")
	f.Fuzz(func(t *testing.T, line, mountPoint, fstype string) {
		if mp, typ, ok := parseMountinfo(line); ok && (mp == "" || typ == "" || strings.ContainsAny(typ, " ")) {
			t.Fatalf("parseMountinfo(%q) = %q, %q", line, mp, typ)
		}
		if !strings.HasPrefix(mountPoint, "/") || fstype == "" || strings.ContainsAny(fstype, " \t\n\\") {
			return
		}
		l := "36 35 98:0 / " + escapeMount(mountPoint) + " rw,noatime master:1 - " + fstype + " /dev/root rw,errors=continue"
		mp, typ, ok := parseMountinfo(l)
		if !ok || mp != mountPoint || typ != fstype {
			t.Fatalf("parseMountinfo(%q) = %q, %q, %v; want %q, %q", l, mp, typ, ok, mountPoint, fstype)
		}
	})
}
