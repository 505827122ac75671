//go:build !linux

package ytdlp

import "syscall"

// procAttr puts yt-dlp in a process group of its own (see group).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
