package db

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockName is the lock file's name in the data directory.
const LockName = "medianest.lock"

// Lock is the advisory lock that says one process is using a data
// directory's database: the server holds it for its whole life, and a
// restore, a second server or a destructive migration refuse while it is
// held. It is flock(2), so the kernel drops it when the process ends, even
// on SIGKILL: a crash never leaves a stale lock behind.
type Lock struct {
	f    *os.File
	path string
}

// ErrLocked is what LockDir's error matches (errors.Is) when another
// process holds the lock.
var ErrLocked = errors.New("db: the data directory is in use")

// LockedError says which process holds a data directory's lock.
type LockedError struct {
	Dir string
	PID int // 0 when unknown
}

func (e *LockedError) Error() string {
	who := "another MediaNest server"
	if e.PID > 0 {
		who = fmt.Sprintf("another MediaNest server (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is using the data directory %s; stop it first", who, e.Dir)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// LockDir takes the lock of the data directory dir (creating both when
// missing) without waiting. When another process holds it, the error wraps
// ErrLocked and says, in a sentence, which process it is and what to do.
// Release it with Unlock.
func LockDir(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := readHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			abs, _ := filepath.Abs(dir)
			return nil, &LockedError{Dir: abs, PID: pid}
		}
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	// The PID is only for the message another process prints.
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f, path: path}, nil
}

// readHolder reads the PID the holder wrote; 0 when there is none.
func readHolder(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// CheckUnlocked reports, as LockDir does, whether another process holds the
// lock of dir, without keeping it: for commands that must not run beside a
// server but do not need to keep others out while they work.
func CheckUnlocked(dir string) error {
	l, err := LockDir(dir)
	if err != nil {
		return err
	}
	return l.Unlock()
}

// Unlock releases the lock. The file stays; its PID is cleared.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}
