package ytdlp

import "syscall"

// procAttr puts yt-dlp in a process group of its own (see group) and has
// the kernel kill it when MediaNest dies without stopping it (SIGKILL, a
// crash): an orphaned yt-dlp would go on writing into the download folder
// while the restarted server runs the same job again.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
