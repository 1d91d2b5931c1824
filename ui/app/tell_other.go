//go:build !windows

package app

// tellWithoutConsole: elsewhere the message on stderr is enough (a desktop launcher logs it).
func tellWithoutConsole(error) {}
